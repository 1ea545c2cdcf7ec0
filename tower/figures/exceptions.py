"""Figures of the exceptions page: aging by severity, and counts by kind and by team.

Builders return plotly figures in dict form (what dcc.Graph takes): graph_objects validate
every property, which cost more than the page's queries (70 ms for one small bar chart).
"""

from __future__ import annotations

import math

import pandas as pd

from tower.components.text import label
from tower.data.exceptions import AGE_BUCKETS
from tower.data.frames import is_missing

SEVERITY_ORDER = ["critical", "high", "medium", "low"]
SEVERITY_COLOURS = {"critical": "#e03131", "high": "#f76707", "medium": "#fab005", "low": "#adb5bd"}


def _whole_ticks(top: float) -> dict:
    """Counts are whole numbers: never put a tick at 0.5; and a step a person reads at a glance
    (1, 2 or 5 times a power of ten: 1,000, not 744), about five ticks to the top."""
    raw = max(1, math.ceil((top or 1) / 5))
    power = 10 ** int(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    return {"tick0": 0, "dtick": step, "rangemode": "tozero"}


def aging(frame: pd.DataFrame) -> dict:
    """Stacked bars: open exceptions per age bucket, one colour per severity, severity named in
    the legend and in each bar's hover (so colour is never the only cue). `frame`:
    Summary.aging (age_bucket, bucket, severity, n)."""
    buckets = list(AGE_BUCKETS.values())
    traces = []
    for severity in SEVERITY_ORDER:
        rows = frame[frame["severity"] == severity]
        if rows.empty:
            continue
        counts = [int(v) for v in rows.set_index("bucket")["n"].reindex(buckets, fill_value=0)]
        traces.append({"type": "bar", "x": buckets, "y": counts, "name": severity.capitalize(),
                       "marker": {"color": SEVERITY_COLOURS[severity]}, "text": [v or "" for v in counts],
                       "textposition": "inside",
                       "hovertemplate": "%{x}: %{y} " + severity + "<extra></extra>"})
    top = frame.groupby("bucket")["n"].sum().max() if not frame.empty else 1
    return {"data": traces, "layout": {
        "barmode": "stack", "height": 240, "margin": {"l": 40, "r": 10, "t": 30, "b": 30},
        "title": {"text": "Age of open exceptions", "font": {"size": 14}},
        "legend": {"orientation": "h", "y": -0.2}, "plot_bgcolor": "white",
        "xaxis": {"categoryorder": "array", "categoryarray": buckets},
        "yaxis": {"gridcolor": "#eee", "title": {"text": "exceptions"}, "automargin": True, **_whole_ticks(top)},
    }}


def counts(frame: pd.DataFrame, label_col: str, title: str, labels: dict[str, str] | None = None) -> dict:
    """Horizontal bars of `n` per `label_col` (most at the top), values written on the bars."""
    # Names come from the data (team names, kinds): escaped, plotly would render HTML in them.
    names = [label((labels or {}).get(v, str(v).replace("_", " ")) if not is_missing(v) else None)
             for v in frame[label_col]]
    values = [int(v) for v in frame["n"]]
    return {"data": [{"type": "bar", "x": values, "y": names, "orientation": "h", "text": values,
                      "textposition": "auto", "marker": {"color": "#4c6ef5"},
                      "hovertemplate": "%{y}: %{x}<extra></extra>"}],
            "layout": {"height": max(160, 26 * len(frame) + 60), "margin": {"l": 10, "r": 10, "t": 30, "b": 20},
                       "title": {"text": title, "font": {"size": 14}}, "plot_bgcolor": "white",
                       "yaxis": {"autorange": "reversed", "automargin": True},
                       "xaxis": {"gridcolor": "#eee", **_whole_ticks(max(values) if values else 1)}}}
