"""The collector process's jobs: a failing stream backs off before it re-raises, a stop
request ends the wait, and one job exists per stream plus the housekeeping that is present."""

from __future__ import annotations

import threading
import time

import pytest

from collectors import scheduler
from collectors.http import RetryPolicy
from tests.collectors.conftest import streams_for
from tower import config
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml

ONE_TRY = RetryPolicy(attempts=1)


def test_a_failing_stream_backs_off_before_it_re_raises(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=10, faults={"erp": {"outage": "refused"}})
    [orders] = streams_for(sb, ["erp/sales_orders"], retry=ONE_TRY, schedule_seconds=0.2)
    job = scheduler.StreamJob(engine, orders, threading.Event())
    waits = []
    for _ in range(3):
        started = time.monotonic()
        with pytest.raises(scheduler.StreamFailed, match="Connection refused|ConnectError"):
            job()
        waits.append(time.monotonic() - started)
    assert job.failures == 3
    # 0.2 s × 2, × 4, × 8: each failure waits longer than the one before.
    assert waits[0] >= 0.4 and waits[1] >= 0.8 and waits[2] >= 1.6
    sb.clear_faults()
    assert job().status == "ok" and job.failures == 0


def test_a_stop_request_ends_the_backoff_at_once(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=10, faults={"erp": {"outage": "503"}})
    [orders] = streams_for(sb, ["erp/sales_orders"], retry=ONE_TRY, schedule_seconds=60)
    stop = threading.Event()
    job = scheduler.StreamJob(engine, orders, stop)
    threading.Timer(0.5, stop.set).start()
    started = time.monotonic()
    with pytest.raises(scheduler.StreamFailed, match="503"):
        job()
    assert time.monotonic() - started < 5  # not the 120 s backoff
    assert job() is None  # stopped: no new run starts


def test_the_scheduler_has_one_non_overlapping_coalescing_job_per_stream_and_the_projection_drain(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=10)
    streams = streams_for(sb)
    sched = scheduler.build_scheduler(engine, streams, threading.Event(), policy=None)
    jobs = {job.id: job for job in sched.get_jobs()}
    # The drain comes with the streams, housekeeping or not: their backlog pages queue for it.
    assert set(jobs) == {s.key for s in streams} | {"projection-drain"}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True


def test_the_rules_worker_sweep_snapshot_dead_letter_replay_b2b_intake_and_notifications_are_always_scheduled(engine, tmp_path):
    intake = config.load({"TOWER_DATA_DIR": str(tmp_path)}).intake
    names = {name for name, _, _ in scheduler.housekeeping_jobs(engine, BUILTIN_POLICY, intake)}
    assert names == {"rules-worker", "rules-sweep", "queue-snapshot", "dead-letter-replay", "edi-inbox",
                     "webhook-inbox", "notifications", "digests", "flow-facts", "risk-model",
                     "change-feed-retention"}


def test_the_change_feed_retention_job_deletes_what_is_older_than_the_kept_days(engine, tmp_path):
    import sqlalchemy as sa

    intake = config.load({"TOWER_DATA_DIR": str(tmp_path)}).intake
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO change_feed (entity, entity_id, changed_at) VALUES "
                             "('order', 'SO-OLD', now() - interval '9 days'), ('order', 'SO-NEW', now())"))
    jobs = {name: body for name, _, body in scheduler.housekeeping_jobs(engine, BUILTIN_POLICY, intake,
                                                                        keep_changes_days=7)}
    assert jobs["change-feed-retention"]() == 1
    with engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT entity_id FROM change_feed WHERE entity_id LIKE 'SO-%'")).scalars().all()
        horizon = conn.execute(sa.text("SELECT count(*) FROM change_feed_horizon")).scalar_one()
    assert kept == ["SO-NEW"] and horizon == 1


def test_housekeeping_without_the_intake_settings_is_refused(engine):
    with pytest.raises(ValueError, match="intake settings"):
        scheduler.build_scheduler(engine, [], threading.Event(), policy=BUILTIN_POLICY)
