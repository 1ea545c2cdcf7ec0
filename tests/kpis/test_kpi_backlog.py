"""/kpis says when its figures are incomplete: the KPI job's backlog is counted, then cleared."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from tests.store.events import order_life
from tower.data.backlog import STEADY_LAG
from tower.data.kpis import _Q, PENDING_CAP, behind, pending_changes
from tower.kpis.facts import refresh_all
from tower.rules.policy import cached
from tower.store import ingest

PENDING_SQL = _Q["pending_changes"]
PENDING_PARAMS = {"cap": PENDING_CAP}

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


def test_a_large_backlog_is_counted_without_scanning_it(engine):
    """The demo once had ~700k marks: counting them all on every /queues refresh took 2.5 s."""
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO kpi_dirty (subject_type, subject_id, marked_at) "
            "SELECT 'order', 'SO-' || (g % 350000), now() - interval '1 hour' + g * interval '1 ms' "
            "FROM generate_series(1, 700000) g"))
        conn.execute(sa.text("ANALYZE kpi_dirty"))
    with engine.begin() as conn:
        plan = "\n".join(conn.execute(sa.text("EXPLAIN " + PENDING_SQL.text), PENDING_PARAMS).scalars())
        assert "kpi_dirty" in plan and "Seq Scan on kpi_dirty" not in plan, plan
        oldest = conn.execute(sa.text("SELECT min(marked_at) FROM kpi_dirty")).scalar_one()
        backlog = pending_changes(conn=conn)
    # A large backlog is "at least" the job's batch, with the true age of its oldest change.
    assert backlog["capped"] is True
    assert backlog["pending"] >= PENDING_CAP // 2 and backlog["oldest"] == oldest


def test_a_small_backlog_is_counted_exactly(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO kpi_dirty (subject_type, subject_id) "
                             "SELECT 'order', 'SO-' || (g % 7) FROM generate_series(1, 30) g"))
        backlog = pending_changes(conn=conn)
    assert backlog["pending"] == 7 and backlog["capped"] is False


def test_the_pages_call_the_figures_behind_only_when_the_backlog_outlasts_the_jobs_interval(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO kpi_dirty (subject_type, subject_id) VALUES ('order', 'SO-1')"))
        backlog = pending_changes(conn=conn)
    oldest = backlog["oldest"]
    # A change the next minute's run will fold in is not "catching up"; one older than the
    # interval and the run is, and so is a backlog too large to count.
    assert not behind(backlog, now=oldest + timedelta(seconds=90))
    assert behind(backlog, now=oldest + STEADY_LAG + timedelta(seconds=1))
    assert behind({**backlog, "capped": True}, now=oldest)
    assert not behind({"pending": 0, "capped": False, "oldest": None}, now=oldest)
