"""Plain data in and out of the rules: what is known about one order, and what the rules decide.

Everything here is a dataclass of Python values (dicts keyed like the store's columns), so the
rules can be fed from the database, from a test, or from a file, and never do I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class SourceFreshness:
    """How fresh tower's view of one source is, in event time (tower.rules.source_health):
    age_minutes is how far its data lags behind the source's own present; stale is True while
    the source is down or catching up (alerts that depend on it are held back)."""

    source: str
    last_ok_at: datetime | None
    age_minutes: float | None   # None when nothing has been read from the source yet
    threshold_minutes: float
    stale: bool
    state: str = "up"           # up | catching_up | degraded | down | unknown
    reason: str = ""

    @property
    def down(self) -> bool:
        """An outage (not a backlog being read): the case that opens an integration incident."""
        return self.stale and self.state != "catching_up"

    def words(self) -> str:
        return f"{self.source.upper()} data {int(self.age_minutes or 0)} min old"


@dataclass
class OrderFacts:
    """One order as the store knows it.

    order: the `orders` row (order_id, status, stage, warehouse, region, customer_tier, value,
    placed_at, promised_at, credit_hold, is_partial, currency, ...).
    lines / shipments / invoices / payments / returns: rows of those tables for the order.
    milestones: rows of `milestones` (kind, source, occurred_at, line_no, shipment_id,
    invoice_id, return_id, attrs as a dict), any order.
    """

    order: dict[str, Any]
    lines: list[dict[str, Any]] = field(default_factory=list)
    shipments: list[dict[str, Any]] = field(default_factory=list)
    invoices: list[dict[str, Any]] = field(default_factory=list)
    payments: list[dict[str, Any]] = field(default_factory=list)
    returns: list[dict[str, Any]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)

    @property
    def order_id(self) -> str:
        return self.order["order_id"]

    @property
    def started_at(self) -> datetime:
        """When the order's story began: its placement, or — while the ERP's order has not
        arrived yet (a WMS or carrier fact came first) — its earliest known fact."""
        if self.order.get("placed_at") is not None:
            return self.order["placed_at"]
        times = [m["occurred_at"] for m in self.milestones if m.get("occurred_at") is not None]
        return min(times) if times else self.order["last_event_at"]

    def latest(self, *kinds: str, source: str | None = None) -> dict[str, Any] | None:
        """The latest milestone of these kinds (occurred_at, then source_event_id)."""
        best = None
        for m in self.milestones:
            if m["kind"] in kinds and (source is None or m["source"] == source):
                if best is None or (m["occurred_at"], m.get("source_event_id", "")) > (
                        best["occurred_at"], best.get("source_event_id", "")):
                    best = m
        return best


@dataclass
class Finding:
    """One exception condition that holds now. `key` = (kind, subject) is its identity."""

    kind: str
    subject: str
    severity: str
    team: str
    title: str
    detail: dict[str, Any]
    value_at_risk: float
    due_at: datetime
    escalate_at: datetime
    priority: float
    rule: str
    fingerprint: str
    since: datetime | None = None   # when the condition began, as the facts tell it

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.subject)


@dataclass
class LineOutcome:
    line_no: int
    stage: str
    waiting_on: str
    qty_ordered: float
    qty_open: float        # ordered and not shipped
    qty_short: float
    qty_to_invoice: float  # shipped and not invoiced
    qty_to_credit: float   # returned and not credited


@dataclass
class Outcome:
    """What the rules decided for one order at `evaluated_at`, under `policy_version`."""

    order_id: str
    stage: str
    waiting_on: str
    owner_team: str | None
    due_at: datetime | None
    at_risk_at: datetime | None
    escalate_at: datetime | None
    sla_state: str | None          # on_track | at_risk | breached | uncertain | None (closed)
    reason: str
    reason_facts: dict[str, Any]
    held_on: str | None            # the stale source that holds this order's clock
    next_check_at: datetime | None
    policy_version: str
    evaluated_at: datetime
    step_system: str | None = None  # the source whose data would move the order on
    lines: list[LineOutcome] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    suppressed: set[str] = field(default_factory=set)  # kinds held back by a stale source
    # Exceptions whose whole life lies in the past (tower.rules.history.PastException), to be
    # kept as history when nothing live covers them; empty when the policy says skip.
    history: list[Any] = field(default_factory=list)
