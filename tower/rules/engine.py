"""`evaluate(facts, policy, freshness, now)`: everything the rules decide about one order.

Pure: the same facts, policy, freshness and time always give the same Outcome. The outcome
records the policy version, the rule and the facts that decided it, the earliest future time
at which the decision could change by time alone (`next_check_at`, for the sweep), and which
exception kinds were held back because a source they depend on is stale (the writer must leave
those exceptions as they are: absence of evidence during an outage is not a resolution).
"""

from __future__ import annotations

from datetime import datetime
from typing import Mapping

from tower.rules import checks_billing, checks_fulfilment, checks_quality, flow
from tower.rules.context import Ctx
from tower.rules.facts import OrderFacts, Outcome, SourceFreshness
from tower.rules.history import facts_about_the_past, past_exceptions
from tower.rules.policy import Effective, Policy

RULES = checks_fulfilment.RULES + checks_billing.RULES + checks_quality.RULES


def _sla_state(now: datetime, clk: flow.Clock) -> str:
    if now >= clk.due_at:
        return "breached"
    if now >= clk.at_risk_at:
        return "at_risk"
    return "on_track"


def _terminal_words(facts: OrderFacts, eff: Effective) -> str:
    order = facts.order
    if order["status"] == "cancelled":
        cancel = facts.latest("cancelled")
        when = f" at {eff.warehouse_calendar.local_label(cancel['occurred_at'])}" if cancel else ""
        return f"nothing — cancelled in ERP{when}"
    paid = facts.latest("paid")
    when = f" {eff.warehouse_calendar.local_label(paid['occurred_at'])}" if paid else ""
    return f"nothing — {order['stage']}{when}"


def evaluate(facts: OrderFacts, policy: Policy, freshness: Mapping[str, SourceFreshness],
             now: datetime) -> Outcome:
    order = facts.order
    eff = policy.resolve(region=order.get("region"), warehouse=order.get("warehouse"),
                         customer_tier=order.get("customer_tier"))
    stale = {name for name, f in freshness.items() if f.stale}
    step = flow.current_step(facts, eff)
    ctx = Ctx(facts, eff, now, stage_team=eff.team(step.spec["team"]) if step else None)
    suppressed: set[str] = set()
    for rule in RULES:
        kind = rule.__name__
        if stale.intersection(eff.exceptions[kind]["depends_on"]):
            suppressed.add(kind)
            continue
        rule(ctx)

    reason_facts: dict = {"policy_version": policy.version, "overrides": list(eff.applied),
                          "stale_sources": sorted(stale)}
    if step is None:
        outcome = Outcome(
            order_id=facts.order_id, stage=order["stage"], waiting_on=_terminal_words(facts, eff),
            owner_team=None, due_at=None, at_risk_at=None, escalate_at=None, sla_state=None,
            reason=f"order is {order['status']}: no step left", reason_facts=reason_facts,
            held_on=None, next_check_at=None, policy_version=policy.version, evaluated_at=now)
    else:
        clk = flow.clock(step, eff)
        system = step.spec["system"]
        breach_kind = step.spec.get("breach_kind", "none") if step.rule.startswith(("stage.", "return.")) else "none"
        # Held while the step's own system is stale, or while a system of a later stage reads a
        # backlog (its facts about the past may move the order on). Not during a later system's
        # outage: that would mute every earlier step's alerts for as long as the outage lasts.
        reading_backlog = {name for name, f in freshness.items() if f.stale and f.state == "catching_up"}
        own, *later = eff.systems_that_end(step.rule, step.spec)
        held = own if own in stale else next((s for s in later if s in reading_backlog), None)
        words = step.words
        if held:
            state = "uncertain"
            words += f" · {freshness[held].words()}"
            if breach_kind != "none":
                suppressed.add(breach_kind)
        else:
            state = _sla_state(now, clk)
            for at in (clk.at_risk_at, clk.due_at, clk.escalate_at):
                ctx.wake(at)
            if state == "breached" and breach_kind != "none":
                team = eff.team(step.spec["team"])
                ctx.raise_(breach_kind, step.subject,
                           f"{step.words[0].upper()}{step.words[1:]} — past its {clk.sla_hours:g} h SLA",
                           {"facts": {"rule": step.rule, "started_at": step.started_at.isoformat(),
                                      "sla_hours": clk.sla_hours, "due_at": clk.due_at.isoformat()},
                            "owner": team},
                           float(order.get("value") or 0), since=clk.due_at, due_at=clk.due_at,
                           escalate_at=clk.escalate_at)
        cal = eff.calendar_for(step.spec)
        used = (cal.hours_between(step.started_at, now) if clk.calendar == cal.name
                else max((now - step.started_at).total_seconds() / 3600.0, 0.0))
        reason_facts.update({
            "rule": step.rule, "started_at": step.started_at.isoformat(), "clock": clk.calendar,
            "sla_hours": clk.sla_hours, "used_hours": round(used, 2), "due_at": clk.due_at.isoformat(),
            "at_risk_at": clk.at_risk_at.isoformat(), "escalate_at": clk.escalate_at.isoformat(),
            "system": system, "held_on": held, "evidence": step.evidence})
        overrides = f" (overrides: {'; '.join(eff.applied)})" if eff.applied else ""
        state_words = {"uncertain": f"uncertain: {(held or system).upper()} data is stale"}.get(state, state.replace("_", " "))
        reason = (f"{step.rule}: {used:.1f} of {clk.sla_hours:g} h used on {clk.calendar}{overrides}"
                  f" → {state_words}; due {eff.warehouse_calendar.local_label(clk.due_at)}")
        outcome = Outcome(
            order_id=facts.order_id, stage=order["stage"], waiting_on=words,
            owner_team=eff.team(step.spec["team"]), due_at=clk.due_at, at_risk_at=clk.at_risk_at,
            escalate_at=clk.escalate_at, sla_state=state, reason=reason, reason_facts=reason_facts,
            held_on=held, next_check_at=None, policy_version=policy.version, evaluated_at=now,
            step_system=system)
    outcome.lines = flow.line_outcomes(facts)
    outcome.findings = ctx.findings
    outcome.suppressed = suppressed
    outcome.next_check_at = min(ctx.timers, default=None)
    # History only from complete facts: while a source is stale, the fact that opened or closed
    # a past condition may still be on its way (the held evaluations run again once it is back).
    if policy.past_exceptions == "record" and not stale and facts_about_the_past(facts):
        outcome.history = past_exceptions(facts, eff, now)
    return outcome
