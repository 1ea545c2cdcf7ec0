"""A source that is reading a backlog (catching up) holds back the alerts that depend on it
without opening an incident — a backlog is progress, not an outage — and the evaluations it
held run again once it has caught up."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, hours, kinds, load, order
from tower.evaluation.freshness import source_freshness
from tower.evaluation.sweep import run_sweep
from tower.evaluation.worker import drain

NOW = MON_9 + hours(30)   # the pick of an order released at 0.5 h is long overdue


def run(engine, source: str, *, through, caught_up: bool, status: str = "ok", stream: str = "events") -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO collector_runs (source, stream, started_at, finished_at, status, source_as_of, "
            "data_through, caught_up, observed_at) VALUES (:s, :st, :n - interval '5 seconds', "
            "CASE WHEN :status = 'running' THEN NULL ELSE CAST(:n AS timestamptz) END, :status, :n, :t, :c, :n)"),
            {"s": source, "st": stream, "n": NOW, "t": through, "c": caught_up, "status": status})


def fresh_except_wms_reading_a_backlog(engine) -> None:
    for source in ("erp", "carrier", "finance"):
        run(engine, source, through=NOW, caught_up=True)
    run(engine, "wms", through=NOW - timedelta(days=20), caught_up=False, status="running")


def test_a_source_reading_a_backlog_is_catching_up_and_stale_however_recent_its_poll(engine):
    fresh_except_wms_reading_a_backlog(engine)
    with engine.begin() as conn:
        state = source_freshness(conn=conn, policy=POLICY, now=NOW)
    assert state["wms"].state == "catching_up" and state["wms"].stale and not state["wms"].down
    assert state["erp"].state == "up" and not state["erp"].stale


def test_catching_up_holds_the_alerts_it_would_cause_and_opens_no_incident(engine):
    fresh_except_wms_reading_a_backlog(engine)
    load(engine, Story().validated().released(0.5).events, now=NOW)
    run_sweep(engine, now=NOW, policy=POLICY)
    assert "queue_aging" not in kinds(engine)
    assert order(engine)["sla_state"] == "uncertain"
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM exceptions WHERE kind = 'integration_incident'")).scalar_one() == 0


def test_once_caught_up_the_held_evaluations_run_even_if_no_sweep_saw_the_backlog(engine):
    fresh_except_wms_reading_a_backlog(engine)
    load(engine, Story().validated().released(0.5).events, now=NOW)   # the worker alone saw WMS hold
    run(engine, "wms", through=NOW, caught_up=True)
    run_sweep(engine, now=NOW, policy=POLICY)
    drain(engine, now=NOW, policy=POLICY)
    assert "queue_aging" in kinds(engine)
    assert order(engine)["held_on"] is None
