"""The cross-system timeline of one order: a lane per source system, a marker per milestone,
planned times as open diamonds joined to what actually happened, and silent gaps shaded."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

import pandas as pd

from tower.components.text import label
from tower.milestones import KINDS

LANES = ["ERP", "WMS", "Carrier", "Finance", "Import"]
LANE_OF = {"erp": "ERP", "wms": "WMS", "carrier": "Carrier", "finance": "Finance", "import": "Import"}
COLOURS = {"ERP": "#4c6ef5", "WMS": "#12b886", "Carrier": "#f59f00", "Finance": "#ae3ec9", "Import": "#868e96"}
STATE_WORDS = {"late": "late", "on time": "on time", "overdue": "OVERDUE", "due": "due",
               "not reported": "NOT REPORTED", "done": "done", "to come": "to come", "cancelled": "cancelled",
               "partly": "PARTLY (a line is not shipped)"}


def _local(series: pd.Series, tz: str) -> pd.Series:
    # Plotly draws naive times as given; convert to the zone shown on the axis first.
    return pd.to_datetime(series, utc=True).dt.tz_convert(tz).dt.tz_localize(None)


def _iso(values: Iterable[pd.Timestamp]) -> list[str]:
    return [v.isoformat() for v in values]


def order_timeline(timeline: pd.DataFrame, plan: pd.DataFrame, gaps: pd.DataFrame, *, tz: str,
                   zone_label: str, now: datetime) -> dict:
    """`timeline` from tower.data.orders.timeline, `plan` from order_status.plan_vs_actual,
    `gaps` from order_status.silences; all times UTC, drawn in `tz`. A plotly figure in dict
    form (what dcc.Graph takes): graph_objects would validate every property, which cost more
    than all of the order page's queries together."""
    traces: list[dict[str, Any]] = []
    shapes: list[dict[str, Any]] = []
    notes: list[dict[str, Any]] = []
    used = [LANE_OF.get(s, s) for s in timeline["source"].unique()] if not timeline.empty else []
    lanes = [lane for lane in LANES if lane in used or lane in ("ERP", "WMS", "Carrier", "Finance")]
    for _, gap in gaps.iterrows():
        start, end = _local(pd.Series([gap["start"], gap["end"]]), tz)
        shapes.append({"type": "rect", "xref": "x", "yref": "paper", "x0": start.isoformat(), "x1": end.isoformat(),
                       "y0": 0, "y1": 1, "fillcolor": "#fa5252", "opacity": 0.08, "line": {"width": 0},
                       "layer": "below"})
        notes.append({"x": (start + (end - start) / 2).isoformat(), "y": 1.0, "yref": "paper", "showarrow": False,
                      "text": f"{gap['hours']:.0f} h silent" + (" (still)" if gap["ongoing"] else ""),
                      "font": {"size": 11, "color": "#c92a2a"}})
    if not timeline.empty:
        frame = timeline.assign(lane=timeline["source"].map(lambda s: LANE_OF.get(s, s)),
                                label=timeline["kind"].map(lambda k: KINDS[k].label if k in KINDS else label(k)),
                                x=_local(timeline["occurred_at"], tz),
                                rec=_local(timeline["recorded_at"], tz))
        for lane, rows in frame.groupby("lane", sort=False):
            traces.append({
                "type": "scatter", "x": _iso(rows["x"]), "y": list(rows["lane"]), "mode": "markers+text",
                "name": f"{lane} (actual)",
                # Facts minutes apart would print over each other: alternate above and below.
                "text": list(rows["label"]), "textfont": {"size": 10},
                "textposition": ["top center" if i % 2 == 0 else "bottom center" for i in range(len(rows))],
                "marker": {"size": 11, "color": COLOURS.get(lane, "#495057"), "line": {"width": 1, "color": "white"}},
                "customdata": [[str(r)] for r in rows["rec"]],
                "hovertemplate": "%{text}<br>%{x|%d %b %H:%M} " + zone_label
                                 + "<br>recorded by tower %{customdata[0]}<extra>" + str(lane) + "</extra>",
            })
    planned = plan[plan["planned_at"].notna()]
    if not planned.empty:
        px = _local(planned["planned_at"], tz)
        lanes_p = planned["source"].map(LANE_OF)
        words = planned["state"].map(STATE_WORDS)
        traces.append({
            "type": "scatter", "x": _iso(px), "y": list(lanes_p), "mode": "markers", "name": "planned",
            "marker": {"symbol": "diamond-open", "size": 14, "color": "#212529", "line": {"width": 2}},
            "text": list(planned["label"] + ": planned (" + planned["note"] + "), " + words),
            "hovertemplate": "%{text}<br>%{x|%d %b %H:%M} " + zone_label + "<extra>plan</extra>",
        })
        for (_, row), x, lane in zip(planned.iterrows(), px, lanes_p):
            if pd.notna(row["actual_at"]):
                ax = _local(pd.Series([row["actual_at"]]), tz).iloc[0]
                traces.append({"type": "scatter", "x": [x.isoformat(), ax.isoformat()], "y": [lane, lane],
                               "mode": "lines", "showlegend": False, "hoverinfo": "skip",
                               "line": {"dash": "dot", "width": 1.5,
                                        "color": "#c92a2a" if row["state"] == "late" else "#2b8a3e"}})
    now_local = _local(pd.Series([pd.Timestamp(now)]), tz).iloc[0]
    # Frame what matters: the facts, now, and the plans of steps still to come. A plan of a
    # step already done (an invoice due in a month, paid last week) would squash the facts.
    edges = [now_local]
    if not timeline.empty:
        edges += list(_local(timeline["occurred_at"], tz))
    pending = plan[plan["planned_at"].notna() & plan["actual_at"].isna()]
    if not pending.empty:
        edges += list(_local(pending["planned_at"], tz))
    span = max(max(edges) - min(edges), pd.Timedelta(hours=6))
    x_range = [(min(edges) - span * 0.04).isoformat(), (max(edges) + span * 0.06).isoformat()]
    shapes.append({"type": "line", "xref": "x", "yref": "paper", "x0": now_local.isoformat(),
                   "x1": now_local.isoformat(), "y0": 0, "y1": 1,
                   "line": {"color": "#495057", "dash": "dash", "width": 1}})
    notes.append({"x": now_local.isoformat(), "y": 0, "yref": "paper", "text": "now", "showarrow": False,
                  "yshift": -4, "font": {"size": 10, "color": "#495057"}})
    return {"data": traces, "layout": {
        "height": 320, "margin": {"l": 70, "r": 20, "t": 30, "b": 40}, "plot_bgcolor": "white",
        "legend": {"orientation": "h", "y": -0.25}, "hovermode": "closest",
        "xaxis": {"title": {"text": f"time ({zone_label})"}, "gridcolor": "#eee", "range": x_range, "type": "date"},
        "yaxis": {"categoryorder": "array", "categoryarray": list(reversed(lanes)), "gridcolor": "#eee",
                  "range": [-0.6, len(lanes) - 0.2], "type": "category"},
        "shapes": shapes, "annotations": notes,
    }}
