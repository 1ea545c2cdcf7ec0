"""The policy the web app runs with, for the API (the app factory puts it in the Flask config;
the pages read it through tower.pages._running, which the API may not import)."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from tower.kpis import sla
from tower.rules.policy import Policy

POLICY_KEY = "TOWER_RUNNING_POLICY"  # the same key as tower.pages._running.POLICY_KEY


def policy() -> Policy:
    running: Policy = current_app.config[POLICY_KEY]
    return running


def at_risk_share() -> float:
    return sla.at_risk_share(policy())


def critical_hours() -> dict[str, float]:
    return sla.critical_hours(policy())


def freshness_limits() -> dict[str, timedelta]:
    return sla.freshness_limits(policy())
