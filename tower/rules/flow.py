"""Where an order is, what it waits on, who owns the next step, by when — and why.

`current_step` picks the step that holds the order (a credit hold or backorder first, then the
stage's next step, then an open return once the sale is closed); `clock` turns the step into
due / at-risk / escalation instants on the right calendar; `line_outcomes` says the same per
line (partial shipments, returns).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tower.rules.calendar import Calendar, wall_add
from tower.rules.facts import LineOutcome, OrderFacts
from tower.rules.policy import Effective

# The milestones that move an order INTO each stage; the latest one starts the stage's clock.
STAGE_ENTRY = {
    "entered": ("placed",),
    "validated": ("atp_confirmed", "credit_released", "priced"),
    "released": ("released",),
    "picked": ("picked",),
    "packed": ("packed",),
    "shipped": ("shipped",),
    "delivered": ("delivered",),
    "invoiced": ("invoiced",),
}


@dataclass
class Step:
    """The step an order waits on. `spec` is its policy entry (waiting_on, system, team, ...)."""

    rule: str                 # e.g. "stage.released", "hold.credit_hold", "return.requested"
    spec: dict[str, Any]
    started_at: datetime
    subject: str              # the queue / stage / return it is about
    words: str                # the plain-words waiting-on, without the freshness note
    evidence: list[dict[str, Any]]
    due_from: datetime | None = None


@dataclass
class Clock:
    due_at: datetime
    at_risk_at: datetime
    escalate_at: datetime
    calendar: str
    used_hours: float
    sla_hours: float


def _fact(m: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not m:
        return []
    return [{"kind": m["kind"], "source": m["source"], "at": m["occurred_at"].isoformat()}]


def _since(cal: Calendar, when: datetime) -> str:
    return cal.local_label(when)


def _hold_step(facts: OrderFacts, eff: Effective) -> Step | None:
    order = facts.order
    if order.get("credit_hold"):
        hold = facts.latest("credit_hold")
        start = hold["occurred_at"] if hold else facts.started_at
        spec = eff.holds["credit_hold"]
        words = f"credit hold since {_since(eff.office_calendar, start)} — {eff.team(spec['team'])}"
        return Step("hold.credit_hold", spec, start, "credit_hold", words, _fact(hold))
    short = [ln for ln in facts.lines if float(ln["qty_short"] or 0) > 0
             and float(ln["qty_shipped"] or 0) < float(ln["qty_ordered"] or 0)]
    # A short line holds the order until stock arrives, even once the rest is released or
    # shipped (partial shipment): the next step is inventory's, not the warehouse floor's.
    if short and order["stage"] in ("entered", "validated", "released", "picked", "packed"):
        atp = facts.latest("atp_short")
        start = atp["occurred_at"] if atp else facts.started_at
        spec = eff.holds["backorder"]
        expected = (atp or {}).get("attrs", {}).get("expected_at")
        lines = ", ".join(str(ln["line_no"]) for ln in short)
        words = (f"waiting on stock for line {lines} (backorder) since "
                 f"{_since(eff.office_calendar, start)}"
                 + (f", expected {expected[:10]}" if expected else ""))
        return Step("hold.backorder", spec, start, "backorder", words, _fact(atp))
    return None


def _stage_step(facts: OrderFacts, eff: Effective) -> Step | None:
    order = facts.order
    stage = order["stage"]
    if stage not in eff.stages:
        return None
    spec = eff.stages[stage]
    entry = facts.latest(*STAGE_ENTRY[stage])
    start = entry["occurred_at"] if entry else facts.started_at
    cal = eff.calendar_for(spec)
    where = f" at {order['warehouse']}" if spec.get("calendar") == "warehouse" and order.get("warehouse") else ""
    due_from = None
    if spec.get("due_from") == "promised_delivery_at":
        promises = [s["promised_delivery_at"] for s in facts.shipments
                    if s.get("promised_delivery_at") and not s.get("delivered_at")]
        due_from = min(promises) if promises else order.get("promised_at")
    elif spec.get("due_from") == "invoice_due_at":
        dues = [i["due_at"] for i in facts.invoices if i.get("due_at") and i["status"] != "paid"]
        due_from = min(dues) if dues else None
    words = f"waiting on {spec['waiting_on']}{where} since {_since(cal, start)}"
    return Step(f"stage.{stage}", spec, start, spec.get("queue") or stage, words, _fact(entry), due_from)


def _return_step(facts: OrderFacts, eff: Effective) -> Step | None:
    open_returns = sorted((r for r in facts.returns if r["status"] != "credited"),
                          key=lambda r: r.get("requested_at") or r.get("received_at") or facts.started_at)
    if not open_returns:
        return None
    ret = open_returns[0]
    state = "received" if ret.get("received_at") else "requested"
    start = ret.get("received_at") or ret.get("requested_at") or facts.started_at
    spec = eff.returns[state]
    words = (f"return {ret['return_id']}: waiting on {spec['waiting_on']} since "
             f"{_since(eff.calendar_for(spec), start)}")
    return Step(f"return.{state}", spec, start, ret["return_id"], words,
                [{"return_id": ret["return_id"], "status": ret["status"], "at": start.isoformat()}])


def current_step(facts: OrderFacts, eff: Effective) -> Step | None:
    """The one step the order waits on now, or None when nothing is left to do."""
    if facts.order["status"] == "cancelled":
        return None
    if facts.order["status"] == "open":
        step = _hold_step(facts, eff) or _stage_step(facts, eff)
        if step:
            return step
    return _return_step(facts, eff)


def clock(step: Step, eff: Effective) -> Clock:
    """Due, at-risk and manager-escalation instants of a step (business or wall hours)."""
    spec, esc = step.spec, eff.escalation
    sla = float(spec["sla_hours"])
    cal = eff.calendar_for(spec)
    if step.due_from is not None:
        span = max((step.due_from - step.started_at).total_seconds() / 3600.0, 0.0)
        return Clock(step.due_from, wall_add(step.started_at, span * esc["at_risk"]),
                     wall_add(step.started_at, span * esc["manager"]), "due date", 0.0, span)
    if spec.get("clock") == "wall":
        add = wall_add
        name = "wall clock"
    else:
        add = cal.add_hours
        name = cal.name
    return Clock(add(step.started_at, sla * esc["lead"]), add(step.started_at, sla * esc["at_risk"]),
                 add(step.started_at, sla * esc["manager"]), name, 0.0, sla)


def _q(value: Any) -> float:
    return float(value or 0)


def line_outcomes(facts: OrderFacts) -> list[LineOutcome]:
    """Per line: its own stage and waiting-on, so partial shipments and returns read right."""
    result = []
    cancelled = facts.order["status"] == "cancelled"
    for ln in sorted(facts.lines, key=lambda x: x["line_no"]):
        ordered, shipped = _q(ln["qty_ordered"]), _q(ln["qty_shipped"])
        short, invoiced = _q(ln["qty_short"]), _q(ln["qty_invoiced"])
        returned, credited = _q(ln["qty_returned"]), _q(ln["qty_credited"])
        open_qty = max(ordered - shipped, 0.0)
        if cancelled:
            stage, words = "cancelled", "nothing — cancelled"
        elif ordered and invoiced >= ordered:
            stage, words = "invoiced", "nothing — invoiced"
        elif ordered and _q(ln["qty_delivered"]) >= ordered:
            stage, words = "delivered", f"invoice for {ordered - invoiced:g}"
        elif ordered and shipped >= ordered:
            stage, words = "shipped", "carrier delivery"
        elif shipped > 0:
            stage = "partially_shipped"
            words = f"{shipped:g} of {ordered:g} shipped; {open_qty:g} " + (
                "waiting on stock (backorder)" if short > 0 else "still to ship")
        elif ordered and _q(ln["qty_packed"]) >= ordered:
            stage, words = "packed", "ship confirm"
        elif ordered and _q(ln["qty_picked"]) >= ordered:
            stage, words = "picked", "pack"
        elif short > 0:
            stage, words = "backorder", f"stock: {short:g} short"
        elif ordered and _q(ln["qty_allocated"]) >= ordered:
            stage, words = "validated", "release and pick"
        else:
            stage, words = "entered", "validation"
        if returned > credited:
            words += f"; {returned - credited:g} returned, waiting on credit note"
        result.append(LineOutcome(ln["line_no"], stage, words, ordered, open_qty, short,
                                  max(shipped - invoiced, 0.0), max(returned - credited, 0.0)))
    return result
