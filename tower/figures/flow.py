"""Figures of /flow: the observed process map as a directed graph, and conformance over time.

Plotly figures in dict form (what dcc.Graph takes). The map places each activity by its place
in the order-to-cash flow (milestone rank, left to right) and draws each transition as an arrow
whose width follows its frequency and whose colour follows its median business hours; a marker
at the middle of each arrow carries the transition (customdata [from, to]) so a click on it can
list the orders behind it.
"""

from __future__ import annotations

import math

import pandas as pd

from tower.milestones import KINDS

_SLOW = "#e03131"
_FAST = "#2f9e44"


# Kinds off the main path (holds, delays, failures, cancellation, returns) sit above or below it.
_SIDE = frozenset({"amended", "credit_hold", "atp_short", "delayed", "delivery_failed", "cancelled",
                   "return_requested", "return_received", "credited"})


def _positions(kinds: list[str]) -> dict[str, tuple[float, float]]:
    # Left to right in the flow's fixed order (milestone rank); the main path on one row, side
    # events alternately above and below it, so the map reads like the order-to-cash flow.
    ordered = sorted(kinds, key=lambda k: (-1 if k == "start" else KINDS[k].rank if k in KINDS else 999, k))
    pos, side = {}, 0
    for x, kind in enumerate(ordered):
        if kind in _SIDE:
            side += 1
            pos[kind] = (float(x), 1.0 if side % 2 else -1.0)
        else:
            pos[kind] = (float(x), 0.0)
    return pos


def _colour(hours: float, slowest: float) -> str:
    if not slowest or pd.isna(hours):
        return "#868e96"
    t = max(0.0, min(1.0, hours / slowest))
    a, b = (int(_FAST[i:i + 2], 16) for i in (1, 3, 5)), (int(_SLOW[i:i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(a, b))


def process_map(transitions: pd.DataFrame, activities: pd.DataFrame, *, min_share: float = 0.0) -> dict:
    """The map of a frame from tower.data.flow.process_map (and its activities). Transitions
    rarer than `min_share` of the most frequent are left out (the table lists them all)."""
    if transitions.empty:
        return {"data": [], "layout": {"height": 120, "xaxis": {"visible": False}, "yaxis": {"visible": False},
                                       "annotations": [{"text": "No transitions for these filters",
                                                        "showarrow": False}]}}
    top = float(transitions["n"].max())
    shown = transitions[transitions["n"] >= top * min_share]
    kinds = sorted(set(shown["from_kind"]) | set(shown["to_kind"]))
    pos = _positions(kinds)
    timed = shown[shown["from_kind"] != "start"]
    slowest = float(timed["median_hours"].max()) if len(timed) else 0.0
    annotations, mid_x, mid_y, mid_text, mid_data, mid_colour = [], [], [], [], [], []
    for r in shown.itertuples():
        (x0, y0), (x1, y1) = pos[r.from_kind], pos[r.to_kind]
        colour = _colour(r.median_hours, slowest) if r.from_kind != "start" else "#adb5bd"
        width = 1 + 5 * math.sqrt(r.n / top)
        if r.from_kind == r.to_kind:
            x1, y1 = x0 + 0.25, y0 + 0.45
        annotations.append({"x": x1, "y": y1, "ax": x0, "ay": y0, "xref": "x", "yref": "y", "axref": "x",
                            "ayref": "y", "showarrow": True, "arrowhead": 2, "arrowsize": 0.8,
                            "arrowwidth": width, "arrowcolor": colour, "standoff": 14, "startstandoff": 14,
                            "text": ""})
        mid_x.append((x0 + x1) / 2)
        mid_y.append((y0 + y1) / 2)
        mid_colour.append(colour)
        mid_data.append([r.from_kind, r.to_kind])
        mid_text.append(f"{r.from_label} → {r.to_label}<br>{r.n:,} times"
                        + ("" if r.from_kind == "start" else
                           f"<br>median {r.median_hours:.1f} business h, p90 {r.p90_hours:.1f} h"))
    counts = dict(zip(activities["kind"], activities["n"]))
    main = [k for k in sorted(kinds, key=lambda k: pos[k][0]) if pos[k][1] == 0]
    below = {k for i, k in enumerate(main) if i % 2}   # alternate labels so neighbours do not overlap
    nodes = {"type": "scatter", "mode": "markers+text", "x": [pos[k][0] for k in kinds],
             "y": [pos[k][1] for k in kinds], "text": [_node_label(k, counts.get(k)) for k in kinds],
             "textposition": ["bottom center" if k in below or pos[k][1] < 0 else "top center" for k in kinds],
             "hoverinfo": "skip", "name": "activities",
             "marker": {"size": 16, "color": "#1c7ed6", "line": {"width": 1, "color": "white"}}}
    mids = {"type": "scatter", "mode": "markers", "x": mid_x, "y": mid_y, "customdata": mid_data,
            "text": mid_text, "hovertemplate": "%{text}<extra>click: the orders behind it</extra>",
            "name": "transitions", "marker": {"size": 9, "color": mid_colour, "symbol": "diamond"}}
    return {"data": [mids, nodes], "layout": {
        "height": 420, "margin": {"l": 10, "r": 10, "t": 20, "b": 10}, "plot_bgcolor": "white",
        "showlegend": False, "annotations": annotations, "hovermode": "closest",
        "xaxis": {"visible": False, "range": [-0.5, max(p[0] for p in pos.values()) + 0.5]},
        "yaxis": {"visible": False, "range": [-1.6, 1.6]}}}


def _node_label(kind: str, n: float | None) -> str:
    name = "Start" if kind == "start" else (KINDS[kind].label if kind in KINDS else kind)
    return name if kind == "start" or n is None else f"{name}<br>{int(n):,}"


def conformance_trend(rates: pd.DataFrame, types: pd.DataFrame | None = None,
                      labels: dict[str, str] | None = None) -> dict:
    """Conformance rate per period (tower.data.flow.conformance_trend), sample size on hover,
    and, dotted, each deviation type's share of that period's orders."""
    x = [pd.Timestamp(p).strftime("%Y-%m-%d") for p in rates["period"]]
    lines = []
    if types is not None and not types.empty:
        for deviation, rows in types.groupby("deviation"):
            share = dict(zip((pd.Timestamp(p).strftime("%Y-%m-%d") for p in rows["period"]), rows["share"]))
            name = (labels or {}).get(str(deviation), str(deviation))
            lines.append({"type": "scatter", "mode": "lines+markers", "x": x, "y": [share.get(p, 0) * 100 for p in x],
                          "name": name, "line": {"dash": "dot", "width": 1},
                          "hovertemplate": f"%{{x}}: {name} in %{{y:.1f}}% of orders<extra></extra>"})
    line = {"type": "scatter", "mode": "lines+markers", "x": x,
            "y": [None if v is None or pd.isna(v) else v * 100 for v in rates["rate"]],
            "customdata": [[int(c), int(n)] for c, n in zip(rates["conforming"], rates["orders"])],
            "hovertemplate": "%{x}: %{y:.1f}% conforming (%{customdata[0]:,} of %{customdata[1]:,} orders)<extra></extra>",
            "name": "conformance rate", "line": {"color": "#1c7ed6"}}
    return {"data": [line, *lines], "layout": {
        "height": 320, "legend": {"orientation": "h", "y": -0.25}, "margin": {"l": 50, "r": 10, "t": 30, "b": 40}, "plot_bgcolor": "white",
        "title": {"text": "Conformance rate and deviation shares by week placed", "font": {"size": 14}},
        "yaxis": {"title": "% of orders", "range": [0, 105], "gridcolor": "#e9ecef"},
        "xaxis": {"type": "category"}}}
