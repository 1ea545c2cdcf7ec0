"""A plain readable table for small lists (a handful to a few hundred rows); big lists use
dash-ag-grid."""

from __future__ import annotations

from typing import Any, Sequence

import dash_mantine_components as dmc


def simple_table(head: Sequence[str], rows: Sequence[Sequence[Any]], *, id: str | None = None,
                 numeric: Sequence[int] = (), **props) -> dmc.TableScrollContainer:
    """`rows` cells may be text or components; columns listed in `numeric` align right."""
    right = set(numeric)
    align = lambda i: {"textAlign": "right"} if i in right else None  # noqa: E731
    table = dmc.Table(
        [dmc.TableThead(dmc.TableTr([dmc.TableTh(h, style=align(i)) for i, h in enumerate(head)])),
         dmc.TableTbody([dmc.TableTr([dmc.TableTd(c, style=align(i)) for i, c in enumerate(row)])
                         for row in rows])],
        striped=True, highlightOnHover=True, withTableBorder=True, verticalSpacing=4,
        fz="sm", tabularNums=True, **({"id": id} if id else {}), **props,
    )
    return dmc.TableScrollContainer(table, minWidth=400)
