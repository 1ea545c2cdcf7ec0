"""Figures of the exceptions page: aging by severity, and counts by kind and by team."""

from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go

from tower.components.text import label
from tower.data.exceptions import AGE_BUCKETS
from tower.data.frames import is_missing

SEVERITY_ORDER = ["critical", "high", "medium", "low"]
SEVERITY_COLOURS = {"critical": "#e03131", "high": "#f76707", "medium": "#fab005", "low": "#adb5bd"}


def _whole_ticks(top: float) -> dict:
    """Counts are whole numbers: never put a tick at 0.5."""
    return {"tick0": 0, "dtick": max(1, math.ceil((top or 1) / 5)), "rangemode": "tozero"}


def aging(frame: pd.DataFrame) -> go.Figure:
    """Stacked bars: open exceptions per age bucket, one colour per severity, severity named in
    the legend and in each bar's hover (so colour is never the only cue). `frame`:
    Summary.aging (age_bucket, bucket, severity, n)."""
    fig = go.Figure()
    buckets = list(AGE_BUCKETS.values())
    for severity in SEVERITY_ORDER:
        rows = frame[frame["severity"] == severity]
        if rows.empty:
            continue
        counts = rows.set_index("bucket")["n"].reindex(buckets, fill_value=0)
        fig.add_trace(go.Bar(x=buckets, y=counts.values, name=severity.capitalize(),
                             marker_color=SEVERITY_COLOURS[severity], text=[v or "" for v in counts.values],
                             textposition="inside",
                             hovertemplate="%{x}: %{y} " + severity + "<extra></extra>"))
    fig.update_layout(barmode="stack", height=240, margin={"l": 40, "r": 10, "t": 30, "b": 30},
                      title={"text": "Age of open exceptions", "font": {"size": 14}},
                      legend={"orientation": "h", "y": -0.2}, plot_bgcolor="white",
                      xaxis={"categoryorder": "array", "categoryarray": buckets},
                      yaxis={"gridcolor": "#eee", "title": "exceptions",
                             **_whole_ticks(frame.groupby("bucket")["n"].sum().max() if not frame.empty else 1)})
    return fig


def counts(frame: pd.DataFrame, label_col: str, title: str, labels: dict[str, str] | None = None) -> go.Figure:
    """Horizontal bars of `n` per `label_col` (most at the top), values written on the bars."""
    # Names come from the data (team names, kinds): escaped, plotly would render HTML in them.
    names = [label((labels or {}).get(v, str(v).replace("_", " ")) if not is_missing(v) else None)
             for v in frame[label_col]]
    fig = go.Figure(go.Bar(x=frame["n"], y=names, orientation="h", text=frame["n"], textposition="auto",
                           marker_color="#4c6ef5", hovertemplate="%{y}: %{x}<extra></extra>"))
    fig.update_layout(height=max(160, 26 * len(frame) + 60), margin={"l": 10, "r": 10, "t": 30, "b": 20},
                      title={"text": title, "font": {"size": 14}}, plot_bgcolor="white",
                      yaxis={"autorange": "reversed", "automargin": True},
                      xaxis={"gridcolor": "#eee", **_whole_ticks(frame["n"].max() if not frame.empty else 1)})
    return fig
