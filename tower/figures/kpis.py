"""Figures of the KPI page: a KPI's weekly or monthly trend against its target.

Returns plotly figures in dict form (what dcc.Graph takes), without graph_objects' property
validation, which costs more than the query itself.
"""

from __future__ import annotations

import pandas as pd

from tower.kpis.registry import Kpi, format_value


def _scale(kpi: Kpi, v: float | None) -> float | None:
    return None if v is None else (v * 100 if kpi.unit == "%" else v)


def trend(kpi: Kpi, frame: pd.DataFrame, *, grain: str) -> dict:
    """Bars per period (tower.data.kpis.kpi_trend) with the target as a dashed line; each bar
    labelled with its value, hover says on/off target in words and the sample size; periods
    without data are labelled "no data"."""
    values = list(frame["value"])
    meets = [None if v is None else (v >= kpi.target if kpi.direction == "higher" else v <= kpi.target)
             for v in values]
    x = [pd.Timestamp(p).strftime("%Y-%m-%d") for p in frame["period"]]
    target = _scale(kpi, kpi.target)
    bars = {
        "type": "bar", "x": x, "y": [_scale(kpi, v) or 0 for v in values], "name": kpi.name,
        "marker": {"color": ["#adb5bd" if m is None else "#2f9e44" if m else "#e03131" for m in meets]},
        "text": [format_value(kpi, v) if v is not None else "no data" for v in values],
        "textposition": "outside",
        "customdata": [["no data" if m is None else "on target" if m else "off target", float(n)]
                       for m, n in zip(meets, frame["n"])],
        "hovertemplate": "%{x|%d %b %Y}: %{text} (%{customdata[0]}, n=%{customdata[1]:,.0f})<extra></extra>",
    }
    line = {"type": "scatter", "mode": "lines", "x": [x[0], x[-1]] if x else [], "y": [target, target],
            "name": "target", "line": {"dash": "dash", "color": "#495057"},
            "hovertemplate": f"target {format_value(kpi, kpi.target)}<extra></extra>"}
    return {"data": [bars, line], "layout": {
        "height": 300, "margin": {"l": 50, "r": 10, "t": 40, "b": 40}, "plot_bgcolor": "white",
        "title": {"text": f"{kpi.name} by {grain} (green: on target, red: off target, dashed: target "
                          f"{format_value(kpi, kpi.target)})", "x": 0.01, "xanchor": "left", "font": {"size": 14}},
        "xaxis": {"gridcolor": "#eee", "type": "date", "tickformat": "%d %b" if grain == "week" else "%b %Y"},
        "yaxis": {"gridcolor": "#eee", "title": {"text": kpi.unit}, "rangemode": "tozero"}, "showlegend": False,
    }}
