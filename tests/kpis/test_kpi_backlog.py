"""/kpis says when its figures are incomplete: the KPI job's backlog is counted, then cleared."""

from __future__ import annotations

from datetime import datetime, timezone

from tests.store.events import order_life
from tower.data.kpis import pending_changes
from tower.kpis.facts import refresh_all
from tower.rules.policy import cached
from tower.store import ingest

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml


def test_changed_orders_are_pending_until_the_kpi_job_folds_them_in(engine):
    with engine.begin() as conn:
        assert pending_changes(conn=conn)["pending"] == 0
        ingest(conn=conn, milestones=order_life("SO-K1") + order_life("SO-K2"))
    with engine.begin() as conn:
        backlog = pending_changes(conn=conn)
        assert backlog["pending"] == 2 and backlog["oldest"] is not None
        refresh_all(conn=conn, policy=BUILTIN_POLICY, now=datetime(2026, 11, 27, tzinfo=timezone.utc))
        assert pending_changes(conn=conn)["pending"] == 0
