"""Benchmark: from an empty store to "every page reflects the backfill".

    python bench/catchup.py [--days 60] [--orders-per-day 400] [--page-size 500]

Serves the simulated distributor's history (the demo's defaults: 60 days at 400 orders a day)
from its own process, then against a fresh Postgres, timing each phase separately:

1. collectors: `tower collect --once` reads every stream to the end (records/s printed);
2. rules: the rules worker evaluates every dirty order (tower.evaluation.worker.drain);
3. derived figures: the minute job (tower.kpis.job.run) is run, as the collector process
   runs it, until no change is pending and the queue snapshot is taken — from then on every
   page (queues, KPIs, teams) reads figures that include the whole backfill;
4. /flow: the flow-facts job (tower.process.refresh.run) is run until no order is stale.

Also prints how long the previous job (a fixed slice of 10,000 marks a minute) would have
needed for the same backlog, and the machine's load average with each figure.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from bench.backlog import collect  # noqa: E402
from collectors import registry  # noqa: E402
from tower import clock  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.evaluation.worker import drain  # noqa: E402
from tower.kpis import facts, job  # noqa: E402
from tower.process import refresh as flow_facts  # noqa: E402
from tower.rules.policy import cached  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
OLD_SLICE = 10_000  # marks the previous snapshot job folded in per minute


def load() -> str:
    return "load average %.1f" % os.getloadavg()[0]


def serve(data_dir: Path, days: int, orders_per_day: float) -> subprocess.Popen:
    env = {**os.environ, "TOWER_DATA_DIR": str(data_dir), "TOWER_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "tower", "sandbox", "serve", "--data-dir", str(data_dir),
                             "--seed", "7", "--days", str(days), "--orders-per-day", str(orders_per_day),
                             "--port", "0", "--no-live", "--rate-limit", "100000"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    info = registry.sandbox_file(data_dir)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if info.is_file() and json.loads(info.read_text()).get("pid") == proc.pid:
            return proc
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited with {proc.returncode}")
        time.sleep(0.2)
    raise SystemExit("the sandbox did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--orders-per-day", type=float, default=400)
    parser.add_argument("--page-size", type=int, default=500)
    args = parser.parse_args()
    policy = cached()
    with bench_database("tower_bench_catchup") as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        started = time.perf_counter()
        sandbox = serve(data_dir, args.days, args.orders_per_day)
        print(f"sandbox: {args.days} days at {args.orders_per_day:g} orders/day, ready in "
              f"{time.perf_counter() - started:.0f} s ({load()})", flush=True)
        try:
            collect_s, _, _ = collect(url, registry.sandbox_file(data_dir), data_dir, args.page_size)
        finally:
            sandbox.terminate()
            sandbox.wait(30)
        engine = make_engine(url)
        with engine.connect() as conn:
            fetched, orders = conn.execute(sa.text(
                "SELECT (SELECT sum(records_fetched) FROM collector_runs), (SELECT count(*) FROM orders)")).one()
        print(f"collectors:       {collect_s:7.1f} s  {fetched:,} records = {fetched / collect_s:,.0f} records/s, "
              f"{orders:,} orders ({load()})", flush=True)

        t = time.perf_counter()
        evaluated = drain(engine, policy=policy, now=clock.now())
        rules_s = time.perf_counter() - t
        print(f"rules:            {rules_s:7.1f} s  {evaluated:,} order evaluations ({load()})", flush=True)

        with engine.connect() as conn:
            marks = conn.execute(sa.text("SELECT count(*) FROM kpi_dirty")).scalar_one()
            subjects = conn.execute(sa.text(
                "SELECT count(*) FROM (SELECT DISTINCT subject_type, subject_id FROM kpi_dirty) d")).scalar_one()
        t = time.perf_counter()
        runs = 0
        while True:
            runs += 1
            result = job.run(engine, policy=policy, now=clock.now)
            if result.caught_up:
                break
        derived_s = time.perf_counter() - t
        with engine.connect() as conn:
            assert facts.pending(conn=conn).caught_up
        print(f"derived figures:  {derived_s:7.1f} s  {marks:,} marks ({subjects:,} orders and exceptions) "
              f"in {runs} job run(s) ({load()})", flush=True)
        old_minutes = math.ceil(marks / OLD_SLICE)
        print(f"previous job (10,000 marks a minute) for the same backlog: ~{old_minutes} min; "
              f"ratio previous / now: {old_minutes * 60 / max(derived_s, 1e-9):.1f}x")
        t = time.perf_counter()
        rebuilt = 0
        while True:   # as the flow-facts job runs, run after run (each up to its budget)
            refreshed = flow_facts.run(engine, policy=policy, now=clock.now())
            rebuilt += refreshed.orders
            if refreshed.caught_up:
                break
        flow_s = time.perf_counter() - t
        print(f"/flow facts:      {flow_s:7.1f} s  {rebuilt:,} orders rebuilt ({load()})", flush=True)
        print(f"total from an empty store: {collect_s + rules_s + derived_s + flow_s:.1f} s "
              f"(derived figures {derived_s:.1f} s and /flow {flow_s:.1f} s after the collectors and rules "
              "caught up; target <= 120 s)")
        engine.dispose()


if __name__ == "__main__":
    main()
