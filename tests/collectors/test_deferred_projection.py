"""A stream reading a backlog queues its pages' projections; the queue is drained before the
stream says it has caught up, and what the drains project equals a recomputation from the log."""

from __future__ import annotations

import sqlalchemy as sa

from collectors.runner import run_stream
from collectors.scheduler import run_once
from tests.collectors.conftest import streams_for
from tests.store.snapshot import projections
from tower.store import projection_queue
from tower.store.rebuild import rebuild_projections


def _queued_ever(conn) -> int:
    """Rows ever queued (the sequence behind projection_queue.queue_id)."""
    last, called = conn.execute(sa.text("SELECT last_value, is_called FROM projection_queue_queue_id_seq")).one()
    return int(last) if called else 0


def test_a_backlog_read_by_every_stream_at_once_projects_as_a_recomputation_would(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=60)
    streams = streams_for(sb, page_size=40)
    for stream in streams:
        stream.commit_records = 40   # a transaction per page: many pages, many queue rows
    results = run_once(engine, streams)
    assert {r.status for r in results} == {"ok"}
    with engine.begin() as conn:
        assert _queued_ever(conn) > 0, "the backlog pages did not queue their projections"
        assert projection_queue.depth(conn=conn) == projection_queue.Depth(0, None)
        drained = projections(conn)
        assert len(drained["orders"]) == conn.execute(sa.text(
            "SELECT count(DISTINCT order_id) FROM milestones")).scalar_one() > 100
        rebuild_projections(conn=conn)
        assert projections(conn) == drained


def test_the_page_that_reaches_the_present_commits_after_the_queue_is_drained(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=60)
    [orders] = streams_for(sb, ["erp/sales_orders"], page_size=25)
    orders.commit_records = 25
    with engine.begin() as conn:
        # What the queue held whenever a run's counters said "caught up", seen inside that commit.
        conn.execute(sa.text("""
            CREATE TABLE caught_up_seen (queued bigint);
            CREATE FUNCTION note_caught_up() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.caught_up THEN INSERT INTO caught_up_seen SELECT count(*) FROM projection_queue; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER note_caught_up AFTER UPDATE ON collector_runs
                FOR EACH ROW EXECUTE FUNCTION note_caught_up();"""))
    try:
        result = run_stream(engine, orders, now=sb.now)
        assert result.status == "ok" and result.pages >= 4
        with engine.connect() as conn:
            seen = conn.execute(sa.text("SELECT queued FROM caught_up_seen")).scalars().all()
            queued = _queued_ever(conn)
        assert queued > 0 and seen and set(seen) == {0}

        # Caught up, a poll's page is projected at once: nothing new is queued.
        sb.advance(minutes=90)
        again = run_stream(engine, orders, now=sb.now)
        assert again.status == "ok" and again.records > 0
        with engine.connect() as conn:
            assert _queued_ever(conn) == queued
            newest = conn.execute(sa.text("SELECT max(placed_at) FROM orders")).scalar_one()
            logged = conn.execute(sa.text(
                "SELECT max(occurred_at) FROM milestones WHERE kind = 'placed'")).scalar_one()
        assert newest == logged
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TABLE caught_up_seen; DROP TRIGGER note_caught_up ON collector_runs;"
                                 "DROP FUNCTION note_caught_up()"))
