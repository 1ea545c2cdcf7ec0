"""The stale-source banner: "WMS data 47 min old" on any page whose data depends on it."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
import pandas as pd
from dash import html

from tower.components.timefmt import ago, fmt
from tower.data.freshness import SOURCES, stale_sources


def stale_banner(fresh: pd.DataFrame, depends_on=SOURCES, *, tz: str = "UTC",
                 id: str | None = None) -> html.Div:
    """An alert naming each stale source this page depends on and how stale it is; an empty
    Div when everything is fresh (so a callback can always return it). `fresh` is
    tower.data.freshness.by_source(...)."""
    stale = stale_sources(fresh, depends_on)
    props: dict[str, Any] = {"id": id} if id else {}
    if stale.empty:
        return html.Div(**props)
    lines = []
    for row in stale.itertuples():
        if row.status == "never" or pd.isna(row.last_success_at):
            lines.append(html.Li(f"{row.label}: no successful poll yet"
                                 + (f" (stream {row.stalest_stream})" if row.stalest_stream else "")))
        else:
            lines.append(html.Li(
                f"{row.label} data {ago(row.age_seconds)} old — last successful poll "
                f"{fmt(row.last_success_at, tz)}"
                + (f" (stream {row.stalest_stream})" if row.stalest_stream else "")))
    names = ", ".join(stale["label"])
    return html.Div(dmc.Alert(
        [html.Ul(lines, className="tower-banner-list"),
         dmc.Text("Conclusions that depend on it may be out of date; late-order alerts it would "
                  "cause are held back. See Integrations for details.", size="sm")],
        title=f"Stale source: {names}", color="orange", variant="light",
        className="tower-stale-banner",
    ), **props)
