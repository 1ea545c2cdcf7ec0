"""What the pages run with, as the app factory (tower.app.create_app) put it on the Flask app:
the rules policy loaded once at start-up, and the figures derived from it that the data and
component layers take as plain arguments. (Dash does not register modules whose name starts
with an underscore as pages.)"""

from __future__ import annotations

from tower.components import timefmt
from tower.running import POLICY_KEY, at_risk_share, critical_hours, freshness_limits, policy

__all__ = ["POLICY_KEY", "at_risk_share", "critical_hours", "freshness_limits", "policy", "warehouse_zones"]


def warehouse_zones() -> dict[str, str]:
    return timefmt.warehouse_zones(policy())
