"""The risk model's calibration curve against the rules baseline (dict figures, as dcc.Graph
takes them): predicted probability per bin against the share of those points that did miss."""

from __future__ import annotations

from typing import Any


def calibration(backtest: dict[str, Any]) -> dict:
    """Model bins as a line with markers sized by count, the baseline's two points (flagged /
    not flagged), and the diagonal a perfectly calibrated model would follow."""
    traces: list[dict[str, Any]] = [{
        "type": "scatter", "mode": "lines", "x": [0, 1], "y": [0, 1], "name": "perfectly calibrated",
        "line": {"color": "#adb5bd", "dash": "dot"}, "hoverinfo": "skip"}]
    for key, name, colour, symbol in (("model", "model", "#364fc7", "circle"),
                                      ("baseline", "rules (75% of SLA)", "#e8590c", "square")):
        curve = (backtest.get(key) or {}).get("calibration") or []
        traces.append({
            "type": "scatter", "mode": "lines+markers" if key == "model" else "markers", "name": name,
            "x": [c["predicted"] for c in curve], "y": [c["observed"] for c in curve],
            "text": [f"{c['count']:,} points" for c in curve],
            "hovertemplate": "predicted %{x:.0%}, missed %{y:.0%} (%{text})<extra>" + name + "</extra>",
            "marker": {"color": colour, "symbol": symbol, "size": 9}, "line": {"color": colour}})
    return {"data": traces, "layout": {
        "title": {"text": "Calibration on the held-out orders"}, "height": 360,
        "xaxis": {"title": {"text": "predicted probability of missing the promise"}, "range": [0, 1], "tickformat": ".0%"},
        "yaxis": {"title": {"text": "share that did miss"}, "range": [0, 1], "tickformat": ".0%"},
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50}, "legend": {"orientation": "h", "y": -0.25}}}
