"""Stream health, dead letters and incidents against hand-made collector runs (N = now).

Limits from the policy: erp 15 min, wms 10 min, carrier 30 min.
    erp/orders      ok runs at N-2m (20 records) and N-1m (10 records)           -> up
    wms/tasks       last ok run finished N-30m, then a failed run at N-1m       -> down
    carrier/events  ok at N-3m, failed at N-2m, ok at N-1m                      -> degraded
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tower.data import integrations
from tower.data.scope import Scope
from tower.kpis import sla
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
FRESHNESS_LIMITS = sla.freshness_limits(BUILTIN_POLICY)

EVERYTHING = Scope.everything()

N = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def m(minutes: float) -> datetime:
    return N + timedelta(minutes=minutes)


def _run(conn, source, stream, at, status, records=0, error=None, lag=5.0) -> None:
    conn.execute(sa.text(
        "INSERT INTO collector_runs (source, stream, started_at, finished_at, status, records_fetched, "
        "lag_seconds, error) VALUES (:s, :st, :a, :f, :status, :r, :lag, :e)"),
        {"s": source, "st": stream, "a": m(at) - timedelta(seconds=2), "f": m(at), "status": status,
         "r": records, "lag": lag, "e": error})


@pytest.fixture
def seeded(engine):
    with engine.begin() as conn:
        _run(conn, "erp", "orders", -2, "ok", 20)
        _run(conn, "erp", "orders", -1, "ok", 10)
        _run(conn, "wms", "tasks", -30, "ok", 7)
        _run(conn, "wms", "tasks", -1, "failed", error="HTTP 503 from WMS")
        _run(conn, "carrier", "events", -3, "ok", 4)
        _run(conn, "carrier", "events", -2, "failed", error="timeout")
        _run(conn, "carrier", "events", -1, "ok", 6)
        for key in ("t-1", "t-2"):
            conn.execute(sa.text(
                "INSERT INTO dead_letters (source, stream, record_key, payload, reason) "
                "VALUES ('wms', 'tasks', :k, '{\"qty\": \"many\"}', 'qty must be a number')"), {"k": key})
        conn.execute(sa.text("INSERT INTO orders (order_id, value, status) VALUES "
                             "('O-1', 100, 'open'), ('O-2', 250.5, 'open'), ('O-3', 7, 'open')"))
        incident = conn.execute(sa.text(
            "INSERT INTO exceptions (kind, subject, severity, status, title, opened_at) VALUES "
            "('integration_incident', 'wms', 'critical', 'open', 'WMS data is stale', :at) "
            "RETURNING exception_id"), {"at": m(-20)}).scalar_one()
        conn.execute(sa.text("INSERT INTO incident_orders VALUES (:e, 'O-1'), (:e, 'O-2')"), {"e": incident})
    return engine


def test_each_stream_gets_a_status_in_words_with_its_reason(seeded):
    with seeded.begin() as conn:
        df = integrations.streams(conn=conn, now=N, default_limits=FRESHNESS_LIMITS).set_index(["source", "stream"])
    assert df.loc[("erp", "orders"), "status"] == "up"
    assert df.loc[("wms", "tasks"), "status"] == "down"
    assert "30 min" in df.loc[("wms", "tasks"), "status_reason"]
    assert df.loc[("carrier", "events"), "status"] == "degraded"
    assert df.loc[("carrier", "events"), "status_reason"] == "1 of the last 3 runs failed"


def test_records_per_run_and_error_rate_come_from_recent_runs(seeded):
    with seeded.begin() as conn:
        df = integrations.streams(conn=conn, now=N, default_limits=FRESHNESS_LIMITS).set_index(["source", "stream"])
    assert df.loc[("erp", "orders"), "records_per_run"] == pytest.approx(15)
    assert df.loc[("carrier", "events"), "error_rate"] == pytest.approx(1 / 3)
    assert df.loc[("wms", "tasks"), "open_dead_letters"] == 2
    assert df.loc[("wms", "tasks"), "last_success_at"] == m(-30)


def test_recent_errors_are_newest_first(seeded):
    with seeded.begin() as conn:
        df = integrations.recent_errors(conn=conn)
    assert list(df["error"]) == ["HTTP 503 from WMS", "timeout"]


def test_an_open_incident_shows_the_orders_and_value_it_holds(seeded):
    with seeded.begin() as conn:
        df = integrations.incidents(conn=conn, scope=EVERYTHING)
        assert len(df) == 1
        assert (df.loc[0, "source"], df.loc[0, "orders"], df.loc[0, "value"]) == ("wms", 2, pytest.approx(350.5))
        held = integrations.incident_orders(conn=conn, exception_id=int(df.loc[0, "exception_id"]), scope=EVERYTHING)
    assert list(held["order_id"]) == ["O-2", "O-1"]


def test_no_runs_at_all_gives_an_empty_table(engine):
    with engine.begin() as conn:
        assert integrations.streams(conn=conn, now=N, default_limits=FRESHNESS_LIMITS).empty
