"""Helpers for the browser tests of /kpis, /queues and /teams: bring the live server's analytics read models up to date
the way the collector process's snapshot job does (tower.kpis.snapshots.take_snapshot)."""

from __future__ import annotations

from datetime import timedelta

from tower import clock
from tower.db import make_engine
from tower.kpis import facts
from tower.kpis.snapshots import take_snapshot
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml


def run_analytics(db_url: str, *, snapshots: int = 3) -> None:
    """Refresh every KPI fact and write a few queue snapshots over the last hour."""
    engine = make_engine(db_url)
    try:
        now = clock.now()
        with engine.begin() as conn:
            facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=now)
        with engine.begin() as conn:
            for k in range(snapshots, -1, -1):
                take_snapshot(conn=conn, policy=BUILTIN_POLICY, now=now - timedelta(minutes=20 * k))
    finally:
        engine.dispose()
