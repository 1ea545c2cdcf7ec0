"""The order page's risk panel: the model's P(miss the promise), its reasons in words, the
model version that scored it, and what the decision rights let the model do with it."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc
from dash import dcc

from tower.components.timefmt import fmt

_DECISION = {"recommend": "recommended for review (nothing changed)",
             "act": "raised an early-warning exception", "escalate": "escalated to a person"}


def risk_panel(row: dict[str, Any] | None, tz: str) -> Any:
    if row is None:
        return dmc.Text("Not scored: the order is closed, or no risk model is in service yet.", size="sm", c="dimmed")
    score = float(row["score"])
    colour = "red" if score >= 0.7 else "yellow" if score >= 0.5 else "green"
    reasons = row.get("reasons") or []
    flag = ""
    if row.get("flag_id") is not None:
        flag = (f"Flag #{row['flag_id']} ({row.get('flag_status')}): score in band {row.get('band')} at or above "
                f"{float(row.get('threshold') or 0):.0%}; the model {_DECISION.get(row.get('decision') or '', '')} "
                f"under {row.get('policy_rule')}.")
    return dmc.Stack([
        dmc.Group([dmc.Badge(f"{score:.0%} risk of missing the promise", color=colour, size="lg", id="order-risk-score"),
                   dmc.Text(f"model {row['model_version']}, scored {fmt(row['scored_at'], tz)}", size="xs", c="dimmed")]),
        dmc.List([dmc.ListItem(r.get("text", "")) for r in reasons], size="sm", id="order-risk-reasons")
        if reasons else dmc.Text("Nothing in particular pushes this order's risk up.", size="sm"),
        dmc.Text([flag, " ", dcc.Link("Review queue", href="/review")] if flag else "", size="xs"),
    ], gap=4)
