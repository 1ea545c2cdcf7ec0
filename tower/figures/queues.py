"""Figures of the queue page: the 24-hour depth trend from queue snapshots.

Builders return plotly figures in dict form (what dcc.Graph takes): building graph_objects
validates every property, which costs more than the query in a 30-second refresh.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

# Distinct line styles as well as colours, so stages stay apart without colour.
_STYLES = [("#364fc7", "solid"), ("#e8590c", "dash"), ("#2b8a3e", "dot"), ("#862e9c", "dashdot"),
           ("#c92a2a", "longdash"), ("#5c940d", "longdashdot"), ("#1098ad", "solid"), ("#495057", "dash")]


def depth_trend(frame: pd.DataFrame, stage_labels: dict[str, str], *, title: str,
                tz: str = "UTC", large: bool = False) -> dict:
    """One line per stage: open orders over time (tower.data.queues.trend, already summed over
    the warehouses in scope). A stage missing in a bin counted as empty (0). Times shown in
    `tz`, named on the axis."""
    traces = []
    if not frame.empty:
        f = frame.copy()
        f["taken_at"] = pd.to_datetime(f["taken_at"], utc=True).dt.tz_convert(tz)
        wide = f.pivot_table(index="taken_at", columns="stage", values="depth", aggfunc="sum").fillna(0)
        x = [t.strftime("%Y-%m-%d %H:%M") for t in wide.index]
        for i, stage in enumerate([s for s in stage_labels if s in wide.columns]):
            colour, dash = _STYLES[i % len(_STYLES)]
            name = stage_labels[stage]
            traces.append({"type": "scatter", "mode": "lines", "x": x, "y": wide[stage].tolist(), "name": name,
                           "line": {"color": colour, "dash": dash, "width": 3 if large else 2},
                           "hovertemplate": "%{x|%H:%M}: %{y} orders in " + name + "<extra></extra>"})
    layout: dict[str, Any] = {
        "height": 360 if large else 260, "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 20 if large else 14}},
        "plot_bgcolor": "white",
        "font": {"size": 16 if large else 12},
        "legend": {"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        "xaxis": {"gridcolor": "#eee", "title": {"text": f"time ({tz})"}},
        "yaxis": {"gridcolor": "#eee", "title": {"text": "open orders"}, "rangemode": "tozero"},
    }
    if frame.empty:
        layout["annotations"] = [{"text": "No open orders in these stages over this range (the collector "
                                          "process records the queues every minute).", "showarrow": False, "x": 0.5, "y": 0.5,
                                  "xref": "paper", "yref": "paper", "font": {"size": 13, "color": "#868e96"}}]
        layout["xaxis"]["visible"] = layout["yaxis"]["visible"] = False
    return {"data": traces, "layout": layout}
