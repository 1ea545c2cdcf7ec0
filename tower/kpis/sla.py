"""Stage critical times for the queue page and the on-time-ship KPI, read from the rules
policy (tower/rules/policy.yaml, or the file named by TOWER_POLICY).

The policy states SLA hours in business hours of a calendar; the queue page buckets an order
against its own due time (computed by the rules worker with the calendar) when it has one and
falls back to these hours on the wall clock when it does not.
"""

from __future__ import annotations

from tower import config
from tower.rules import policy as _policy

# The stages a warehouse works through between release and the ship confirm.
WAREHOUSE_STAGES = ("released", "picked", "packed")


def _policy_path() -> str | None:
    # The web app keeps the policy it runs with in its Flask config; other processes read the
    # settings (TOWER_POLICY).
    try:
        from flask import current_app, has_app_context

        if has_app_context() and current_app.config.get("TOWER_POLICY"):
            return str(current_app.config["TOWER_POLICY"])
    except ImportError:  # pragma: no cover - flask is a dependency of the web part only
        pass
    path = config.load().policy_path
    return str(path) if path else None


def _load() -> _policy.Policy:
    return _policy.cached(_policy_path())


def critical_hours(*, warehouse: str | None = None, region: str | None = None) -> dict[str, float]:
    """{stage: SLA hours} for a warehouse (overrides applied); stages without an SLA omitted."""
    effective = _load().resolve(region=region, warehouse=warehouse, customer_tier=None)
    return {name: float(spec["sla_hours"]) for name, spec in effective.stages.items()
            if spec.get("sla_hours") is not None}


def ship_allowance_hours() -> float:
    """Hours from release to the ship confirm that count as on time: the sum of the pick, pack
    and ship critical times of the default policy (counted on the wall clock)."""
    hours = critical_hours()
    return sum(hours.get(stage, 0.0) for stage in WAREHOUSE_STAGES)


def at_risk_share() -> float:
    """The share of its time after which an order counts as at risk (policy escalation.at_risk)."""
    return float(_load().escalation.get("at_risk", 0.75))
