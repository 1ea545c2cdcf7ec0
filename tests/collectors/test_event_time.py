"""Each run records how far its data lags behind the source's own present: a run stopped in
the middle of a backlog has not caught up and says how far behind it is; a run that reads to
the end has caught up; a quiet run (nothing new) has caught up too."""

from __future__ import annotations

import sqlalchemy as sa

from collectors.runner import run_stream
from tests.collectors.conftest import streams_for


def latest_run(engine, stream: str) -> dict:
    with engine.connect() as conn:
        return dict(conn.execute(sa.text(
            "SELECT * FROM collector_runs WHERE stream = :s ORDER BY run_id DESC LIMIT 1"), {"s": stream}).mappings().one())


def test_a_run_stopped_inside_a_backlog_has_not_caught_up_and_says_how_far_behind(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=80)
    (stream,) = streams_for(sb, ["carrier/tracking_events"], page_size=50)
    run_stream(engine, stream, now=sb.now, max_pages=1)
    run = latest_run(engine, stream.name)
    assert run["caught_up"] is False
    assert run["source_as_of"] is not None and run["data_through"] < run["source_as_of"]
    assert run["lag_seconds"] > 3600  # the first page of three days of history is hours behind


def test_a_run_that_reads_to_the_end_has_caught_up_and_a_quiet_one_too(engine, start_sandbox):
    sb = start_sandbox(days=2, orders_per_day=40)
    (stream,) = streams_for(sb, ["carrier/tracking_events"], page_size=500)
    run_stream(engine, stream, now=sb.now)
    run = latest_run(engine, stream.name)
    assert run["caught_up"] is True and run["lag_seconds"] < 60
    run_stream(engine, stream, now=sb.now)   # nothing new (the sandbox's clock stands still)
    quiet = latest_run(engine, stream.name)
    assert quiet["caught_up"] is True and quiet["data_through"] is not None and quiet["lag_seconds"] < 60
