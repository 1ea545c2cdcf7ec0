"""The minute job keeps inside its minute: a run that is behind stops draining before a batch
that would end past its budget, and takes the queue snapshot without one more batch."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from tests.store.events import order_life
from tower.kpis import job
from tower.rules.policy import cached
from tower.store import ingest

BUILTIN_POLICY = cached()
NOW = datetime(2026, 11, 27, 12, tzinfo=timezone.utc)
ORDERS = [f"SO-JOB{i}" for i in range(6)]


def _marked_orders(engine) -> int:
    with engine.begin() as conn:
        ingest(conn=conn, milestones=[m for oid in ORDERS for m in order_life(oid)])
        return conn.execute(sa.text("SELECT count(DISTINCT subject_id) FROM kpi_dirty")).scalar_one()


def _left(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM kpi_dirty")).scalar_one()


def test_a_run_behind_takes_its_snapshot_without_folding_another_batch(engine):
    assert _marked_orders(engine) == len(ORDERS)
    marks = _left(engine)
    # A budget already spent after the first batch: the run is behind.
    result = job.run(engine, policy=BUILTIN_POLICY, now=lambda: NOW, batch=2, budget_seconds=0.0)
    assert (result.batches, result.caught_up) == (1, False)
    assert result.snapshot_rows > 0, "the queues are snapshotted although marks are left"
    assert _left(engine) == marks - 2, "only the one batch's two marks were folded"


def test_a_run_with_time_left_drains_every_mark_before_its_snapshot(engine):
    _marked_orders(engine)
    result = job.run(engine, policy=BUILTIN_POLICY, now=lambda: NOW, batch=2, budget_seconds=600.0)
    assert result.caught_up and result.batches >= 3
    assert _left(engine) == 0 and result.snapshot_rows > 0
