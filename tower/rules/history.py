"""Exceptions whose whole life lies in the past: what a backfill, an import or a backlog after
an outage tells about conditions that opened and closed before tower saw them.

Pure: `past_exceptions(facts, eff, now)` reads the order's milestones and returns each
condition that began and ended before `now` with its true open and close times:

    stage lateness   a stage (validation, release, pick, pack, ship confirm) left after its SLA:
                     open at the due instant, closed when the next stage's milestone occurred
                     (stage_overdue / queue_aging, as the stage's `breach_kind` says);
    no carrier scan  the first carrier scan came more than `after_hours` after the ship confirm;
    carrier delay    a delay scan, then the delivery of that shipment;
    failed delivery  a failed attempt, then the delivery of that shipment.

The writer (tower.evaluation.reconcile) stores one only when no exception — live or history —
exists for its (order, kind, subject): a condition the live system raised is the live record,
whatever the backlog later says. Orders with a credit hold or a backorder are left out of the
stage lateness: their clock was the hold's, and no rule raises a breach for a hold.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from tower.rules.calendar import wall_add
from tower.rules.facts import OrderFacts
from tower.rules.flow import STAGE_ENTRY
from tower.rules.policy import Effective

# Stages whose lateness can be told from milestones alone, in flow order, and the milestones
# that end each (the entry into any later stage).
_FLOW = ("entered", "validated", "released", "picked", "packed", "shipped")
_LATER = {stage: tuple(k for later in _FLOW[i + 1:] + ("delivered",) for k in STAGE_ENTRY[later])
          for i, stage in enumerate(_FLOW[:-1])}
_HOLDS = ("credit_hold", "atp_short")


@dataclass(frozen=True)
class PastException:
    kind: str
    subject: str
    opened_at: datetime
    closed_at: datetime
    title: str
    detail: dict[str, Any]
    team: str = ""
    severity: str = "medium"

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


def _first(milestones: list[dict[str, Any]], kinds: tuple[str, ...], after: datetime,
           shipment: str | None = None) -> dict[str, Any] | None:
    found = [m for m in milestones if m["kind"] in kinds and m["occurred_at"] >= after
             and (shipment is None or m.get("shipment_id") in (None, shipment))]
    return min(found, key=lambda m: m["occurred_at"], default=None)


def _stage_lateness(facts: OrderFacts, eff: Effective, now: datetime) -> list[PastException]:
    ms = facts.milestones
    if any(m["kind"] in _HOLDS for m in ms) or facts.order.get("status") == "cancelled":
        return []
    out = []
    for stage in _FLOW[:-1]:
        spec = eff.stages.get(stage) or {}
        kind = spec.get("breach_kind", "none")
        entry = facts.latest(*STAGE_ENTRY[stage]) if stage != "entered" else facts.latest("placed")
        if kind == "none" or entry is None:
            continue
        left = _first(ms, _LATER[stage], entry["occurred_at"])
        if left is None or left["occurred_at"] > now:
            continue  # still in the stage: the live rules judge it
        subject = spec.get("queue") or stage
        # Only the due instant (flow.clock also works out at-risk and escalation times: three
        # business-calendar walks where one will do).
        sla = float(spec["sla_hours"]) * eff.escalation["lead"]
        if spec.get("clock") == "wall":
            due = wall_add(entry["occurred_at"], sla)
        else:
            due = eff.calendar_for(spec).add_hours(entry["occurred_at"], sla)
        if left["occurred_at"] <= due:
            continue
        late_h = (left["occurred_at"] - due).total_seconds() / 3600.0
        out.append(PastException(
            kind, subject, due, left["occurred_at"],
            f"Left {spec['waiting_on']} {late_h:.1f} h after it was due ({float(spec['sla_hours']):g} h allowed)",
            {"facts": {"stage": stage, "started_at": entry["occurred_at"].isoformat(),
                       "due_at": due.isoformat(), "left_at": left["occurred_at"].isoformat(),
                       "left_by": left["kind"]}}))
    return out


def _carrier(facts: OrderFacts, eff: Effective, now: datetime) -> list[PastException]:
    ms, out = facts.milestones, []
    scans = ("carrier_pickup", "in_transit", "delayed", "out_for_delivery", "delivery_failed", "delivered")
    after = float(eff.exceptions["no_carrier_scan"].get("after_hours", 12))
    for ship in (m for m in ms if m["kind"] == "shipped" and m.get("shipment_id")):
        sid, shipped = ship["shipment_id"], ship["occurred_at"]
        first = _first(ms, scans, shipped, sid)
        limit = wall_add(shipped, after)
        if first is not None and limit < first["occurred_at"] <= now:
            out.append(PastException(
                "no_carrier_scan", sid, limit, first["occurred_at"],
                f"First carrier scan for {sid} came {(first['occurred_at'] - shipped).total_seconds() / 3600:.0f} h after ship",
                {"facts": {"shipment_id": sid, "shipped_at": shipped.isoformat(),
                           "first_scan_at": first["occurred_at"].isoformat(), "after_hours": after}}))
        delivered = _first(ms, ("delivered",), shipped, sid)
        if delivered is None or delivered["occurred_at"] > now:
            continue
        promise = next((s.get("promised_delivery_at") for s in facts.shipments
                        if s.get("shipment_id") == sid), None) or facts.order.get("promised_at")
        for kind, sign, words in (("carrier_delay", "delayed", "Carrier delay"),
                                  ("delivery_failed", "delivery_failed", "Failed delivery attempt")):
            begun = _first(ms, (sign,), shipped, sid)
            # A delay is the carrier's exception only when it made the delivery late.
            late = kind != "carrier_delay" or (promise is not None and delivered["occurred_at"] > promise)
            if begun is not None and late and begun["occurred_at"] < delivered["occurred_at"]:
                out.append(PastException(
                    kind, sid, begun["occurred_at"], delivered["occurred_at"],
                    f"{words} on {sid}, delivered since",
                    {"facts": {"shipment_id": sid, "began_at": begun["occurred_at"].isoformat(),
                               "delivered_at": delivered["occurred_at"].isoformat()}}))
    return out


# A fact that reached tower this long after it happened arrived late (a backlog, an import).
LATE_ARRIVAL = timedelta(minutes=10)


def facts_about_the_past(facts: OrderFacts) -> bool:
    """Whether this evaluation may find past lives: the order was never judged, or judged
    while a source was stale (its alerts held), or a fact arrived late since it was judged.
    Live orders judged on time skip the search (it costs as much as the rules themselves)."""
    before = facts.order.get("evaluated_at")
    if before is None or facts.order.get("stale_before"):
        return True
    return any(m.get("recorded_at") is not None and m["recorded_at"] > before
               and m["recorded_at"] - m["occurred_at"] > LATE_ARRIVAL for m in facts.milestones)


def past_exceptions(facts: OrderFacts, eff: Effective, now: datetime) -> list[PastException]:
    """Conditions of this order that opened and closed before `now` (see the module doc), with
    the owner and severity the live rule would have given them."""
    out = []
    for past in _stage_lateness(facts, eff, now) + _carrier(facts, eff, now):
        spec = eff.exceptions[past.kind]
        stage = eff.stages.get(past.detail["facts"].get("stage", ""), {})
        team = eff.team(spec["team"], eff.team(stage["team"]) if stage else None)
        out.append(replace(past, team=team, severity=spec["severity"],
                           detail={**past.detail, "order_id": facts.order_id}))
    return out
