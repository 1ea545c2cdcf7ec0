"""/review — the review queue: the flags the risk model (SLA-miss risk) and the invoice check
(invoice discrepancy) raised for orders in the viewer's
warehouses, each with its score, band, what the decision rights let the model do (recommend,
act, escalate) and the rule that allowed it, and its reasons in words. One click accepts or
dismisses a flag with the reason on the button; every verdict is audited (risk_flag_events)
and counts towards the model version's precision as judged by people (/risk).

URL: ?status=open (default) | accepted | dismissed | expired.
"""

from __future__ import annotations

from typing import Any, Mapping

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update

from tower import clock, params
from tower.auth import current
from tower.components.shell import empty_state
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.data import risk
from tower.data.access import reading, writing
from tower.pages import _running

dash.register_page(__name__, path="/review", title="Review queue · tower")

DECISION_WORDS = {"recommend": ("Recommend", "gray"), "act": ("Acted", "yellow"), "escalate": ("Escalated", "red")}
SHORT = {"will_miss_promise": "Will miss", "customer_warned": "Warned", "expedited": "Expedited",
         "already_handling": "Handling", "false_alarm": "False alarm", "data_out_of_date": "Stale data",
         "promise_renegotiated": "New promise", "not_our_delay": "Not ours",
         "billing_error": "Billing error", "invoice_corrected": "Corrected", "credit_note_issued": "Credit note",
         "agreed_price": "Agreed price"}
KIND_WORDS = {"sla_miss_risk": "SLA-miss risk", "invoice_discrepancy": "Invoice discrepancy"}


class Ids:
    STATUS = "review-status"
    TABLE = "review-table"
    FEEDBACK = "review-feedback"
    ACT = "review-act"  # pattern-matching type: index "<flag_id>|<verdict>|<reason>"


def _buttons(flag_id: int, verdict: str, kind: str) -> dmc.Group:
    colour = "green" if verdict == "accept" else "gray"
    return dmc.Group([
        dmc.Button(SHORT[reason], id={"type": Ids.ACT, "index": f"{flag_id}|{verdict}|{reason}"},
                   size="compact-xs", variant="light", color=colour)
        for reason in risk.REVIEW_REASONS_BY_KIND.get(kind, risk.REVIEW_REASONS)[verdict]], gap=4)


def _table(status: str) -> Any:
    with reading() as conn:
        frame = risk.queue(conn=conn, scope=current.scope(), statuses=(status,))
    if frame.empty:
        return empty_state("No flags here.", "The risk model raises a flag when an open order's risk of "
                           "missing its promise crosses the operating threshold, and the invoice check when an "
                           "invoice differs from shipped x price (policy decision_rights).")
    zones = _running.warehouse_zones()
    rows = []
    for r in frame.itertuples():
        words, colour = DECISION_WORDS.get(r.decision, (r.decision, "gray"))
        tz = zones.get(r.warehouse, "UTC")
        rows.append([
            dcc.Link(r.order_id, href=f"/orders/{r.order_id}"), r.warehouse or "—", r.customer_name or "—",
            KIND_WORDS.get(r.kind, r.kind), html.B(f"{r.score:.0%}"), dmc.Badge(f"{words} · {r.band}", color=colour, variant="light"),
            dmc.Text(r.reasons or "—", size="xs"),
            dmc.Text(f"{r.model_version} · ≥ {r.threshold:.0%} · {r.policy_rule}", size="xs", c="dimmed"),
            fmt(r.raised_at, tz),
            *((_buttons(r.flag_id, "accept", r.kind), _buttons(r.flag_id, "dismiss", r.kind)) if status == "open" else
              (f"{r.status} by {r.reviewed_by or 'the model'}: {risk.REASON_WORDS.get(r.review_reason or '', '—')}", "")),
        ])
    return simple_table(["Order", "Warehouse", "Customer", "Flag", "Score", "Decision", "Why", "Model · threshold · rule",
                         "Raised", "Accept", "Dismiss"], rows, numeric=(4,))


def layout(status: str | None = None, **_: str) -> html.Div:
    status = params.choice(status, risk.STATUSES, default="open")
    return html.Div([
        dmc.Title("Review queue", order=2),
        dmc.Text("Flags raised by the SLA-miss risk model for the warehouses you look after. Accept when the "
                 "order will miss its promise (or you acted on it), dismiss when it will not; the reason is on "
                 "the button. Recommend-only flags changed nothing; acted and escalated flags raised an "
                 "early-warning exception.", size="sm", c="dimmed"),
        dmc.SegmentedControl(id=Ids.STATUS, value=status, mt="xs",
                             data=[{"value": s, "label": s.capitalize()} for s in risk.STATUSES]),
        html.Div(id=Ids.FEEDBACK, style={"marginTop": 8}),
        html.Div(_table(status), id=Ids.TABLE, style={"marginTop": 8}),
    ], className="review-page")


@callback(Output(Ids.TABLE, "children"), Input(Ids.STATUS, "value"), prevent_initial_call=True)
def show(status: object) -> Any:
    return _table(params.choice(status, risk.STATUSES, default="open"))


@callback(Output(Ids.FEEDBACK, "children"), Output(Ids.TABLE, "children", allow_duplicate=True),
          Input({"type": Ids.ACT, "index": ALL}, "n_clicks"), State(Ids.STATUS, "value"),
          prevent_initial_call=True)
def decide(clicks: list[int | None] | None, status: object) -> tuple[Any, Any]:
    """One click: the verdict and reason on the button, for that flag."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, Mapping) or not any(clicks if isinstance(clicks, list) else ()):
        return no_update, no_update
    parts = str(trigger.get("index", "")).split("|")
    flag_id = params.integer(parts[0] if parts else None, low=1, high=2**62)
    if len(parts) != 3 or flag_id is None:
        return dmc.Alert("That button is not one of this page's.", color="yellow"), no_update
    _, verdict, reason = parts
    try:
        with writing() as conn:
            changed = risk.review(conn=conn, flag_ids=[flag_id], verdict=verdict, reason=reason,
                                  actor=current.actor(), now=clock.now(), scope=current.scope(),
                                  policy_version=_running.policy().version)
    except risk.InvalidReview as exc:
        return dmc.Alert(str(exc), color="red", title="Not recorded"), no_update
    note = (f"Flag #{flag_id} {risk.VERDICTS[verdict]}: {risk.REASON_WORDS[reason]}." if changed else
            f"Flag #{flag_id} not changed: already reviewed or expired, or outside your warehouses.")
    return (dmc.Alert(note, color="green" if changed else "yellow", id="review-done"),
            _table(params.choice(status, risk.STATUSES, default="open")))
