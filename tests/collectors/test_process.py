"""The collector process (`tower collect`) as a real subprocess: kill -9 in the middle of a run
loses and doubles nothing; SIGTERM finishes the current run and exits; two processes never run
the same stream at the same time."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.collectors.ledger_check import check_conservation, check_truth

ROOT = Path(__file__).resolve().parents[2]
_started: list[subprocess.Popen] = []


@pytest.fixture(autouse=True)
def _no_stray_collectors():
    """A failed assertion must not leave a collector process running after the test."""
    yield
    while _started:
        proc = _started.pop()
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def collect(db_url: str, sb, tmp_path: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp_path / "tower"),
           "TOWER_LOG_LEVEL": "INFO"}
    env.pop("TOWER_CLOCK_OFFSET", None)
    log = open(tmp_path / f"collect-{time.monotonic_ns()}.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "tower", "collect", "--sources", str(sb.write_info()),
                             "--no-housekeeping", *args], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    _started.append(proc)
    return proc


def wait_for(engine, sql: str, timeout: float = 60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            value = conn.execute(sa.text(sql)).scalar()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {sql}")


def test_kill_9_in_the_middle_of_a_run_then_a_restart_loses_and_doubles_nothing(engine, db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=12, orders_per_day=60, faults={s: {"slow_ms": 120, "duplicates": 0.2}
                                                            for s in ("erp", "wms", "carrier", "finance")})
    first = collect(db_url, sb, tmp_path, "--once", "--page-size", "40")
    # Wait until a run has committed some pages and is still going, then kill it hard.
    wait_for(engine, "SELECT 1 FROM collector_runs WHERE status = 'running' AND records_fetched >= 120")
    first.send_signal(signal.SIGKILL)
    first.wait(10)
    with engine.connect() as conn:
        left_running = conn.execute(sa.text("SELECT count(*) FROM collector_runs WHERE status = 'running'")).scalar_one()
    assert left_running >= 1  # the streams run at the same time: each may have been cut short
    sb.clear_faults()
    for _ in range(2):  # the restart, and one more pass that must find nothing new
        again = collect(db_url, sb, tmp_path, "--once")
        assert again.wait(240) == 0
    with engine.connect() as conn:
        statuses = conn.execute(sa.text("SELECT status, error FROM collector_runs ORDER BY run_id")).all()
    assert not [s for s in statuses if s.status == "running"]
    assert any(s.status == "failed" and "interrupted" in (s.error or "") for s in statuses)
    check_conservation(engine, sb)
    assert check_truth(engine, sb) > 500


def test_sigterm_finishes_the_current_run_and_exits(engine, db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=6, orders_per_day=60, faults={"erp": {"slow_ms": 150}})
    proc = collect(db_url, sb, tmp_path, "--streams", "erp/sales_orders", "--page-size", "40", "--poll-seconds", "1")
    wait_for(engine, "SELECT 1 FROM collector_runs WHERE status = 'running' AND records_fetched >= 40")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(30) == 0
    with engine.connect() as conn:
        runs = conn.execute(sa.text("SELECT status FROM collector_runs")).scalars().all()
    assert runs and "running" not in runs and set(runs) == {"ok"}


def test_two_collector_processes_never_run_the_same_stream_at_once(engine, db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=4, orders_per_day=60, faults={"erp": {"slow_ms": 60}, "wms": {"slow_ms": 60}})
    args = ("--streams", "erp", "wms", "--page-size", "50", "--poll-seconds", "0.3")
    procs = [collect(db_url, sb, tmp_path, *args) for _ in range(2)]
    try:
        wait_for(engine, "SELECT count(*) >= 30 FROM collector_runs WHERE status = 'ok'", timeout=90)
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            assert proc.wait(30) == 0
    with engine.connect() as conn:
        overlaps = conn.execute(sa.text("""
            SELECT a.source, a.stream, a.run_id, b.run_id
            FROM collector_runs a JOIN collector_runs b
              ON a.source = b.source AND a.stream = b.stream AND a.run_id < b.run_id
             AND tstzrange(a.started_at, a.finished_at) && tstzrange(b.started_at, b.finished_at)""")).all()
        pids = conn.execute(sa.text("SELECT count(*) FROM collector_runs")).scalar_one()
    assert pids >= 30
    assert overlaps == []
    check_conservation(engine, sb, ("erp", "wms"))
