"""Stage critical times, the at-risk share and the sources' staleness limits, read from the
rules policy the process runs with.

The policy is loaded once by each entry point (the collector process, `tower rules`, the web
app factory) and handed down; nothing here reads a setting or a file. The policy states SLA
hours in business hours of a calendar; the queue page buckets an order against its own due
time (computed by the rules worker with the calendar) when it has one and falls back to these
hours on the wall clock when it does not.
"""

from __future__ import annotations

from datetime import timedelta

from tower.rules.policy import Policy

# The stages a warehouse works through between release and the ship confirm.
WAREHOUSE_STAGES = ("released", "picked", "packed")
# The policy's escalation.at_risk when it states none.
DEFAULT_AT_RISK = 0.75


def critical_hours(policy: Policy, *, warehouse: str | None = None,
                   region: str | None = None) -> dict[str, float]:
    """{stage: SLA hours} for a warehouse (overrides applied); stages without an SLA omitted."""
    effective = policy.resolve(region=region, warehouse=warehouse, customer_tier=None)
    return {name: float(spec["sla_hours"]) for name, spec in effective.stages.items()
            if spec.get("sla_hours") is not None}


def ship_allowance_hours(policy: Policy) -> float:
    """Hours from release to the ship confirm that count as on time: the sum of the pick, pack
    and ship critical times of the default policy (counted on the wall clock)."""
    hours = critical_hours(policy)
    return sum(hours.get(stage, 0.0) for stage in WAREHOUSE_STAGES)


def at_risk_share(policy: Policy) -> float:
    """The share of its time after which an order counts as at risk (policy escalation.at_risk)."""
    return float(policy.escalation.get("at_risk", DEFAULT_AT_RISK))


def freshness_limits(policy: Policy) -> dict[str, timedelta]:
    """source -> how long it may go without a successful run (policy freshness_minutes)."""
    return {s: timedelta(minutes=float(m)) for s, m in policy.freshness_minutes.items()}
