"""Figures of the teams page: open work per assignee (plotly figure dicts, see queues.py)."""

from __future__ import annotations

import pandas as pd

from tower.components.text import label


def workload(frame: pd.DataFrame, *, title: str) -> dict:
    """Stacked horizontal bars per assignee (tower.data.teams.workload rows of one team):
    overdue, at risk and other open exceptions, each named in the legend and the hover."""
    f = frame.copy()
    # Assignees are typed by people: escaped, plotly would render `<a href>` in a label as a link.
    f["who"] = [label(a) if isinstance(a, str) else "(not assigned)" for a in f["assignee"]]
    f["other"] = f["open"] - f["overdue"] - f["at_risk"]
    f = f.sort_values("open")
    traces = [{"type": "bar", "orientation": "h", "y": f["who"].tolist(), "x": f[col].tolist(), "name": name,
               "marker": {"color": colour}, "text": [int(v) or "" for v in f[col]], "textposition": "inside",
               "hovertemplate": "%{y}: %{x} " + name.lower() + "<extra></extra>"}
              for col, name, colour in (("overdue", "Overdue", "#e03131"), ("at_risk", "At risk", "#f59f00"),
                                        ("other", "Other open", "#4c6ef5"))]
    return {"data": traces, "layout": {
        "barmode": "stack", "height": max(180, 40 * len(f) + 90), "margin": {"l": 120, "r": 10, "t": 40, "b": 30},
        "plot_bgcolor": "white", "title": {"text": label(title, max_chars=120), "x": 0.01, "xanchor": "left", "font": {"size": 14}},
        "legend": {"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom"},
        "xaxis": {"gridcolor": "#eee", "title": {"text": "open exceptions"}},
    }}
