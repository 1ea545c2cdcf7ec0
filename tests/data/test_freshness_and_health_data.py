"""Freshness per source from collector_runs, and the health probe."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tower import clock
from tower.data import freshness, health
from tower.migrate import current_version
from tower.store import collector_runs as runs


def _run(conn, source: str, stream: str, minutes_ago: float, status: str = "ok") -> None:
    at = clock.now() - timedelta(minutes=minutes_ago)
    run = runs.start(conn=conn, source=source, stream=stream, started_at=at - timedelta(seconds=3))
    runs.finish(conn=conn, run_id=run, status=status, finished_at=at, error=None if status == "ok" else "boom",
                counts=runs.RunCounts(records_fetched=5, newest_source_at=at - timedelta(seconds=30)))


def test_a_source_is_as_stale_as_its_stalest_stream(engine):
    with engine.begin() as conn:
        _run(conn, "wms", "picks", 1)
        _run(conn, "wms", "shipments", 47)
        _run(conn, "erp", "orders", 1)
        _run(conn, "carrier", "scans", 2, status="failed")
    with engine.connect() as conn:
        fresh = freshness.by_source(conn=conn, now=clock.now(), stale_after=timedelta(minutes=10))
    row = fresh.set_index("source")
    assert list(fresh.columns) == freshness.SOURCE_COLUMNS
    assert row.loc["wms", "status"] == "stale" and row.loc["wms", "stalest_stream"] == "shipments"
    assert round(row.loc["wms", "age_seconds"] / 60) == 47
    assert row.loc["erp", "status"] == "fresh"
    assert row.loc["carrier", "status"] == "never" and row.loc["carrier", "failing_streams"] == 1
    assert row.loc["finance", "status"] == "unknown"  # not monitored is not an outage
    assert freshness.stale_sources(fresh, ["wms", "erp"])["source"].tolist() == ["wms"]


def test_the_policys_threshold_decides_when_no_limit_is_given(engine):
    with engine.begin() as conn:
        _run(conn, "erp", "orders", 20)
        conn.execute(sa.text("INSERT INTO source_thresholds (source, max_lag_minutes, policy_version) "
                             "VALUES ('erp', 30, 't'), ('wms', 5, 't')"))
    with engine.connect() as conn:
        lenient = freshness.by_source(conn=conn, now=clock.now()).set_index("source")
        strict = freshness.by_source(conn=conn, now=clock.now(), stale_after=timedelta(minutes=15)).set_index("source")
    assert lenient.loc["erp", "status"] == "fresh" and lenient.loc["erp", "stale_after_seconds"] == 1800
    assert strict.loc["erp", "status"] == "stale"


def test_health_reports_schema_version_and_exact_row_counts(engine, db_url):
    with engine.begin() as conn:
        _run(conn, "erp", "orders", 1)
        _run(conn, "erp", "orders", 2)
    report = health.probe(db_url)
    assert report.ok and report.message == "connected"
    assert report.schema_version == current_version(engine)
    counts = report.tables.set_index("table_name")
    assert counts.loc["collector_runs", "row_count"] == 2 and not counts.loc["collector_runs", "estimated"]
    assert counts.loc["orders", "row_count"] == 0


def test_health_says_plainly_when_the_database_cannot_be_reached():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    report = health.probe(f"postgresql://tower:secret@127.0.0.1:{port}/tower")
    assert not report.ok
    assert report.message.startswith("cannot reach the database")
    assert "secret" not in report.message and "secret" not in report.where
