"""What every exception rule shares: the facts, the effective policy, the time, and helpers to
raise a finding with its severity, owner, SLA and priority from the policy.

Priority (higher = act first) = severity weight x log10(10 + value at risk) x
(1 + escalation tier + urgency), where urgency grows from 0 to 1 in hourly steps over the last
24 hours before the exception's due time. The sweep recomputes it in SQL with the same formula
(`tower/evaluation/sweep.sql`, name `reprioritise`); a test keeps the two equal.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tower.rules.calendar import Calendar
from tower.rules.facts import Finding, OrderFacts
from tower.rules.policy import Effective

SEVERITY_WEIGHT = {"low": 1.0, "medium": 2.0, "high": 3.0, "critical": 4.0}


def priority(severity: str, value_at_risk: float, due_at: datetime, escalate_at: datetime,
             now: datetime) -> float:
    tier = 2 if now >= escalate_at else 1 if now >= due_at else 0
    # Whole hours, so a priority changes at most once an hour and the sweep rewrites only the
    # exceptions whose hour ticked over, not every exception inside the 24-hour window.
    hours_left = math.floor((due_at - now).total_seconds() / 3600.0)
    urgency = min(max(1.0 - hours_left / 24.0, 0.0), 1.0)
    return round(SEVERITY_WEIGHT[severity] * math.log10(10.0 + max(value_at_risk, 0.0))
                 * (1.0 + tier + urgency), 4)


def side(system: str, says: str, at: datetime | None) -> dict[str, Any]:
    """One side of a cross-system comparison: which system, what it says, as of when."""
    return {"system": system, "says": says, "at": at.isoformat() if at else None}


def money(value: Any) -> float:
    return round(float(value or 0), 2)


@dataclass
class Ctx:
    facts: OrderFacts
    eff: Effective
    now: datetime
    stage_team: str | None = None
    findings: list[Finding] = field(default_factory=list)
    timers: list[datetime] = field(default_factory=list)

    @property
    def office(self) -> Calendar:
        return self.eff.office_calendar

    def local_label(self, when: datetime) -> str:
        """A time for words in an exception title: in the order's warehouse's zone, the one
        every page about the order uses (one zone per view)."""
        return self.eff.warehouse_calendar.local_label(when)

    def wake(self, at: datetime | None) -> None:
        """Ask to be evaluated again at `at` (a time-based condition may flip then)."""
        if at is not None and at > self.now:
            self.timers.append(at)

    def reached(self, threshold: datetime) -> bool:
        """True once `threshold` has passed; otherwise register it as a wake-up."""
        if self.now >= threshold:
            return True
        self.wake(threshold)
        return False

    def param(self, kind: str, key: str, default: float) -> float:
        return float(self.eff.exceptions[kind].get(key, default))

    def raise_(self, kind: str, subject: str, title: str, detail: dict[str, Any], value: float,
               *, since: datetime | None, due_at: datetime | None = None,
               escalate_at: datetime | None = None) -> None:
        """Record a finding. `since` is when its condition began as the facts tell it (a due date
        plus grace, the scan that reported a delay), which may be long before tower saw those facts:
        ages are counted from it; None when the facts do not say."""
        spec = self.eff.exceptions[kind]
        sla = float(spec["sla_hours"])
        esc = self.eff.escalation
        due = due_at or self.office.add_hours(self.now, sla * esc["lead"])
        escalate = escalate_at or self.office.add_hours(self.now, sla * esc["manager"])
        detail = {**detail, "order_id": self.facts.order_id}
        # repr, not JSON: the same rule builds its facts in the same key order, and repr is
        # several times cheaper in a 5k-order batch.
        stable = repr((kind, subject, detail.get("facts", detail)))
        self.findings.append(Finding(
            kind=kind, subject=subject, severity=spec["severity"],
            team=self.eff.team(spec["team"], self.stage_team), title=title, detail=detail,
            value_at_risk=money(value), due_at=due, escalate_at=escalate,
            priority=priority(spec["severity"], money(value), due, escalate, self.now),
            rule=f"exceptions.{kind}", fingerprint=hashlib.sha1(stable.encode()).hexdigest()[:16],
            since=min(since, self.now) if since is not None else None))
