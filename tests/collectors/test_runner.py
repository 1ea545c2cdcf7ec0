"""The runner: bookmarks move only with the data, runs are recorded, sources fail alone."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from collectors.locks import try_lock
from collectors.runner import run_stream
from tests.collectors.conftest import collect_round, collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation
from tower.store import bookmarks


def _bookmark(engine, source, stream):
    with engine.connect() as conn:
        return bookmarks.get(conn=conn, source=source, stream=stream)


def test_it_keeps_the_bookmark_when_the_write_fails(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=40)
    [orders] = streams_for(sb, ["erp/sales_orders"], page_size=20)
    orders.commit_records = 20  # one page per transaction, whatever has been read ahead
    pages = list(orders.fetch(None))
    assert len(pages) >= 4
    refused = pages[2][5]["order_no"]
    with engine.begin() as conn:
        # A real failure inside the page's transaction: the store refuses one order's milestones.
        conn.execute(sa.text("""
            CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN IF NEW.order_id = current_setting('test.refused') THEN RAISE EXCEPTION 'disk full (test)'; END IF;
            RETURN NEW; END $$;
            CREATE TRIGGER refuse BEFORE INSERT ON milestones FOR EACH ROW EXECUTE FUNCTION refuse();"""))
        conn.execute(sa.text("SELECT set_config('test.refused', :o, false)"), {"o": refused})
        db = conn.execute(sa.text("SELECT current_database()")).scalar_one()
        conn.execute(sa.text(f'ALTER DATABASE "{db}" SET test.refused = \'{refused}\''))
    try:
        run_stream(engine, orders, now=sb.now)
    except Exception as exc:  # a database error is recorded, then re-raised to the scheduler
        assert "disk full" in str(exc)
    else:
        raise AssertionError("the write should have failed")
    with engine.connect() as conn:
        stored = conn.execute(sa.text("SELECT count(DISTINCT order_id) FROM milestones")).scalar_one()
        run = conn.execute(sa.text("SELECT status, error FROM collector_runs")).one()
    mark = _bookmark(engine, "erp", "sales_orders")
    # Pages before the failing one are in, with their bookmark; the failing page is not.
    assert stored == 40 and mark is not None  # two pages of 20
    assert run.status == "failed" and "disk full" in run.error
    with engine.begin() as conn:
        conn.execute(sa.text("DROP TRIGGER refuse ON milestones"))
    collect_until_quiet(engine, [orders], sb.now)
    summary = check_conservation(engine, sb, ("erp",))
    assert summary["erp"]["in_store"] == summary["erp"]["ledger_keys"] > 0


def test_the_bookmark_never_passes_the_polls_start(engine, start_sandbox):
    sb = start_sandbox(days=2, orders_per_day=40)
    [tasks] = streams_for(sb, ["wms/tasks"])
    earlier = sb.now() - timedelta(hours=6)
    result = run_stream(engine, tasks, now=lambda: earlier)
    assert result.status == "ok" and result.records > 0
    mark = _bookmark(engine, "wms", "tasks")
    assert mark["since"] == earlier.isoformat()


def test_every_run_is_recorded_with_counts_and_lag(engine, start_sandbox):
    sb = start_sandbox(days=2, orders_per_day=40)
    streams = streams_for(sb, ["erp", "carrier"])
    collect_round(engine, streams, sb.now)
    sb.advance(minutes=30)
    collect_round(engine, streams, sb.now)
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT * FROM collector_runs ORDER BY run_id")).mappings().all()
        stored = conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM milestones) + (SELECT count(*) FROM parked_milestones)")).scalar_one()
    assert len(runs) == 6
    assert all(r["status"] == "ok" and r["finished_at"] >= r["started_at"] for r in runs)
    assert sum(r["milestones_written"] for r in runs) == stored
    first_orders = runs[0]
    assert first_orders["records_fetched"] > 0 and first_orders["newest_source_at"] is not None
    assert first_orders["lag_seconds"] is not None and first_orders["lag_seconds"] >= 0


def test_a_source_that_is_down_does_not_stop_the_others_and_catches_up_without_a_gap(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=40)
    streams = streams_for(sb)
    collect_round(engine, streams, sb.now)
    sb.set_faults("wms", outage="refused")
    for _ in range(3):
        sb.advance(minutes=45)
        results = collect_round(engine, streams, sb.now)
        assert {r.status for r in results if r.source == "wms"} == {"failed"}
        assert {r.status for r in results if r.source != "wms"} == {"ok"}
    with engine.connect() as conn:
        flowing = conn.execute(sa.text(
            "SELECT count(*) FROM milestones WHERE source = 'erp' AND recorded_at > now() - interval '1 minute'")
        ).scalar_one()
        errors = conn.execute(sa.text(
            "SELECT error FROM collector_runs WHERE source = 'wms' AND status = 'failed'")).scalars().all()
    assert flowing > 0
    assert errors and all("Connection refused" in e or "ConnectError" in e for e in errors)
    sb.clear_faults()
    collect_until_quiet(engine, streams, sb.now)
    summary = check_conservation(engine, sb)
    assert summary["wms"]["in_store"] == summary["wms"]["ledger_keys"]


def test_a_429_storm_is_ridden_out_by_honouring_retry_after(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=40, faults={"finance": {"rate_limit": 2.0}})
    streams = streams_for(sb, ["finance"], page_size=40)
    results = collect_round(engine, streams, sb.now)
    assert [r.status for r in results] == ["ok", "ok", "ok"]
    assert sb.stats()["finance"].get("rate_limited", 0) > 0
    collect_until_quiet(engine, streams, sb.now)
    summary = check_conservation(engine, sb, ("finance",))
    assert summary["finance"]["in_store"] == summary["finance"]["ledger_keys"]


def test_a_refused_token_stops_the_stream_and_says_why(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=20)
    from collectors import registry
    from collectors.http import Endpoint

    endpoints = registry.endpoints_from_file(sb.write_info())
    endpoints["carrier"] = Endpoint(endpoints["carrier"].base_url, "not-the-token")
    streams = registry.build_streams(endpoints, ["carrier", "erp/returns"])
    results = collect_round(engine, streams, sb.now)
    assert [r.status for r in results] == ["fatal", "ok"]
    assert "credentials" in results[0].error
    with engine.connect() as conn:
        run = conn.execute(sa.text("SELECT status, error FROM collector_runs WHERE source = 'carrier'")).one()
    assert run.status == "fatal" and "401" in run.error
    assert _bookmark(engine, "carrier", "tracking_events") is None


def test_a_stream_another_process_is_running_is_skipped(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=20)
    [orders] = streams_for(sb, ["erp/sales_orders"])
    with try_lock(engine, orders.key) as held:
        assert held
        result = run_stream(engine, orders, now=sb.now)
    assert result.status == "skipped"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM collector_runs")).scalar_one() == 0
    assert run_stream(engine, orders, now=sb.now).status == "ok"


def test_check_reaches_each_stream_and_reports_a_refused_token(start_sandbox):
    import pytest

    from collectors import registry
    from collectors.http import Endpoint, FatalSourceError

    sb = start_sandbox(days=1, orders_per_day=20)
    for stream in streams_for(sb):
        stream.check()  # raises if the endpoint cannot be read
    endpoints = registry.endpoints_from_file(sb.write_info())
    endpoints["erp"] = Endpoint(endpoints["erp"].base_url, "wrong")
    [orders] = registry.build_streams(endpoints, ["erp/sales_orders"])
    with pytest.raises(FatalSourceError, match="credentials"):
        orders.check()
