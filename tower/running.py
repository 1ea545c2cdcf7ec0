"""What the web app runs with, as the app factory (tower.app.create_app) put it on the Flask app:
the rules policy loaded once at start-up, and the figures derived from it that the data and
component layers take as plain arguments. Shared by the pages (through tower.pages._running)
and the API, which read the same policy the same way."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from tower.kpis import sla
from tower.rules.policy import Policy

POLICY_KEY = "TOWER_RUNNING_POLICY"


def policy() -> Policy:
    """The policy the web app was started with."""
    running: Policy = current_app.config[POLICY_KEY]
    return running


def at_risk_share() -> float:
    return sla.at_risk_share(policy())


def critical_hours() -> dict[str, float]:
    return sla.critical_hours(policy())


def freshness_limits() -> dict[str, timedelta]:
    return sla.freshness_limits(policy())
