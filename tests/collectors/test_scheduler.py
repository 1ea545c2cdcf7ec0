"""The collector process's jobs: a failing stream backs off before it re-raises, a stop
request ends the wait, and one job exists per stream plus the housekeeping that is present."""

from __future__ import annotations

import threading
import time

import pytest

from collectors import scheduler
from collectors.http import RetryPolicy
from tests.collectors.conftest import streams_for

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


def test_the_scheduler_has_one_non_overlapping_coalescing_job_per_stream(engine, start_sandbox):
    sb = start_sandbox(days=1, orders_per_day=10)
    streams = streams_for(sb)
    sched = scheduler.build_scheduler(engine, streams, threading.Event(), housekeeping=False)
    jobs = {job.id: job for job in sched.get_jobs()}
    assert set(jobs) == {s.key for s in streams}
    for job in jobs.values():
        assert job.max_instances == 1 and job.coalesce is True


def test_housekeeping_jobs_are_scheduled_when_their_parts_exist(engine):
    import importlib.util

    names = {name for name, _, _ in scheduler.housekeeping_jobs(engine)}
    present = {"rules-worker": importlib.util.find_spec("tower.evaluation") is not None
               and importlib.util.find_spec("tower.evaluation.worker") is not None,
               "rules-sweep": importlib.util.find_spec("tower.evaluation") is not None
               and importlib.util.find_spec("tower.evaluation.sweep") is not None,
               "queue-snapshot": importlib.util.find_spec("tower.store.snapshots") is not None,
               "edi-inbox": importlib.util.find_spec("collectors.edi.inbox") is not None,
               "webhook-inbox": importlib.util.find_spec("collectors.carrier_webhooks") is not None}
    assert names == {name for name, there in present.items() if there}
