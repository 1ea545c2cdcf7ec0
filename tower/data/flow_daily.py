"""The /flow reads from the daily rollups (tower/process/rollup.py): bounded by the days shown.

`tower.data.flow` reads here when the rollups can answer (`params` is not None: at most one of
channel / tier / carrier filtered, with any warehouse and scope) and from the facts otherwise.
Counts and sums equal the facts' exactly; medians and p90s come from fixed buckets of hours and
lie within a factor sqrt(1.05) (about 2.5%) of the exact figure, or 30 s below a minute.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Connection

from tower.data.scope import Scope
from tower.process import rollup
from tower.sqlfiles import load

if TYPE_CHECKING:
    from tower.data.flow import FlowFilters

_Q = load(__file__, "flow_daily.sql")
RELATIVE_ERROR = 1.05 ** 0.5 - 1   # of a quantile from the buckets (a factor sqrt(1.05) either way)
ABSOLUTE_ERROR_HOURS = 1 / 120     # below a minute


def params(filters: "FlowFilters", scope: Scope, **extra: Any) -> dict[str, Any] | None:
    """The rollup read's parameters for `filters`, or None when the rollups cannot answer."""
    dims = [(name, value) for name, value in (("channel", filters.channel), ("tier", filters.tier),
                                              ("carrier", filters.carrier)) if value]
    if len(dims) > 1:
        return None
    dim, value = dims[0] if dims else ("*", "*")
    cover = rollup.blocks(filters.start, filters.end)
    return {"start_day": filters.start, "end_day": filters.end, "dim": dim, "value": value,
            "spans": [span for span, _ in cover], "starts": [day for _, day in cover],
            "warehouse": filters.warehouse or "*", "warehouses": scope.param(), **extra}


def rows(name: str, *, conn: Connection, bound: dict[str, Any]) -> list[dict[str, Any]]:
    """One rollup block's rows ('process_map', 'waiting', 'trend') as dicts."""
    return [dict(r) for r in conn.execute(_Q[name], bound).mappings()]


def conformance_rows(*, conn: Connection, bound: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The rollups' equivalents of the facts' conformance_totals row and deviation_counts rows."""
    subjects = {r["subject"]: r for r in conn.execute(_Q["subjects"], bound).mappings()}

    def count(subject: str) -> int:
        return int(subjects[subject]["n"]) if subject in subjects else 0

    def median(subject: str) -> float | None:
        row = subjects.get(subject)
        return None if row is None or row["median"] is None else float(row["median"])

    totals = {"orders": count("orders"), "conforming": count("conforming"),
              "cycle_median": median("conforming_cycle"), "cycle_n": count("conforming_cycle"),
              "deviating_cycle_median": median("deviating_cycle"), "deviating_cycle_n": count("deviating_cycle")}
    types = sorted({s.split(":", 1)[1] for s in subjects if s.startswith(("deviation:", "accepted:"))})
    deviations = [{"deviation": t, "orders": count(f"deviation:{t}"), "accepted_orders": count(f"accepted:{t}"),
                   "cycle_median": median(f"deviation_cycle:{t}"), "cycle_n": count(f"deviation_cycle:{t}")}
                  for t in types]
    return totals, deviations
