"""Benchmark: catch up a backlog — records/s and the collector's peak memory.

    python bench/backlog.py [--records 1000000] [--page-size 500]

Generates a sandbox with about `--records` source records (orders spread over 60 days, ~11
records per order across the ERP, WMS, carrier and finance), serves it from its own process,
then in one run:

1. baseline: read every endpoint to the end with the collectors' HTTP client only (no mapping,
   no database) — how fast the sources can be read at all;
2. the real collector process (`tower collect --once`) catches up the whole backlog into a
   fresh Postgres, while its RSS is sampled every 0.2 s.

Prints records/s for both and their ratio, the collector's peak RSS and its RSS over time
(target: flat and under 250 MB — pages are streamed, the backlog is never held in memory).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psutil  # noqa: E402
import psycopg  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from collectors import registry  # noqa: E402
from tower.db import make_engine  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
RECORDS_PER_ORDER = 10.8  # measured on the sandbox's defaults; the real count is printed


def serve_sandbox(data_dir: Path) -> tuple[subprocess.Popen, Path]:
    """The sandbox in its own process (so its serving does not share the bench's interpreter)."""
    env = {**os.environ, "TOWER_DATA_DIR": str(data_dir), "TOWER_LOG_LEVEL": "WARNING"}
    proc = subprocess.Popen([sys.executable, "-m", "tower", "sandbox", "serve", "--data-dir", str(data_dir),
                             "--seed", "7", "--days", "60", "--port", "0", "--no-live", "--rate-limit", "100000"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL)
    info = registry.sandbox_file(data_dir)
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline:
        if info.is_file() and json.loads(info.read_text()).get("pid") == proc.pid:
            return proc, info
        if proc.poll() is not None:
            raise SystemExit(f"the sandbox exited with {proc.returncode}")
        time.sleep(0.2)
    raise SystemExit("the sandbox did not start")


def baseline(info: Path, page_size: int) -> tuple[int, float]:
    streams = registry.build_streams(registry.endpoints_from_file(info), page_size=page_size)
    started, count = time.perf_counter(), 0
    for stream in streams:
        for page in stream.fetch(None):
            count += len(page)
    registry.close_streams(streams)
    return count, time.perf_counter() - started


def database_cpu(url: str) -> float:
    """CPU seconds the database server has used so far: its processes' own and those of the
    backends that have exited. On a machine shared with other work, CPU per record is the
    figure that does not move with the load; records/s does."""
    with psycopg.connect(url) as conn:
        backend = conn.execute("SELECT pg_backend_pid()").fetchone()[0]
        postmaster = psutil.Process(backend).parent()
    assert postmaster is not None
    own = postmaster.cpu_times()
    total = own.user + own.system + own.children_user + own.children_system
    for child in postmaster.children():
        if child.pid == backend:
            continue
        try:
            times = child.cpu_times()
        except psutil.NoSuchProcess:
            continue
        total += times.user + times.system
    return total


def collect(url: str, info: Path, data_dir: Path, page_size: int,
            workers: int | None = None) -> tuple[float, list[tuple[float, float]], float]:
    """Run the collector over the backlog: (seconds, RSS samples, the collector's CPU seconds
    as last sampled)."""
    env = {**os.environ, "TOWER_DATABASE_URL": url, "TOWER_DATA_DIR": str(data_dir), "TOWER_LOG_LEVEL": "WARNING"}
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "tower", "collect", "--once", "--no-housekeeping",
                             "--sources", str(info), "--page-size", str(page_size)]
                            + (["--workers", str(workers)] if workers else []), cwd=ROOT, env=env)
    ps = psutil.Process(proc.pid)
    samples: list[tuple[float, float]] = []
    cpu = 0.0
    while proc.poll() is None:
        try:
            samples.append((time.perf_counter() - started, ps.memory_info().rss / 2**20))
            times = ps.cpu_times()
            cpu = times.user + times.system
        except psutil.NoSuchProcess:
            break
        time.sleep(0.2)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"the collector exited with {proc.returncode}")
    return elapsed, samples, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--page-size", type=int, default=500)
    parser.add_argument("--workers", type=int,
                        help="streams collected at the same time (default: all, as the collector process runs them)")
    args = parser.parse_args()

    from tower.sandbox.generate import generate

    with bench_database("tower_bench_backlog") as url, tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp)
        orders = max(100, int(args.records / RECORDS_PER_ORDER))
        t0 = time.perf_counter()
        counts = generate(data_dir, seed=7, days=60, orders=orders)
        published = sum(v for k, v in counts.items() if k.endswith("_published"))
        print(f"generated {orders} orders, {published} published source records in {time.perf_counter() - t0:.0f} s",
              flush=True)
        sandbox, info = serve_sandbox(data_dir)
        try:
            read, read_s = baseline(info, args.page_size)
            print(f"baseline (HTTP reads only):   {read} records in {read_s:.1f} s = {read / read_s:,.0f} records/s",
                  flush=True)
            db_cpu = database_cpu(url)
            elapsed, samples, collector_cpu = collect(url, info, data_dir, args.page_size, args.workers)
            db_cpu = database_cpu(url) - db_cpu
        finally:
            sandbox.terminate()
            sandbox.wait(30)
        engine = make_engine(url)
        with engine.connect() as conn:
            fetched, written, dead = conn.execute(sa.text(
                "SELECT sum(records_fetched), sum(milestones_written), sum(dead_letters) FROM collector_runs")).one()
            stored = conn.execute(sa.text("SELECT (SELECT count(*) FROM milestones) + "
                                          "(SELECT count(*) FROM parked_milestones)")).scalar_one()
            # The streams run side by side: the slowest one's time is the catch-up's.
            per_stream = conn.execute(sa.text(
                "SELECT source || '/' || stream, sum(records_fetched),"
                " extract(epoch FROM max(finished_at) - min(started_at)) FROM collector_runs"
                " GROUP BY 1 ORDER BY 3 DESC")).all()
            queued, projected, logged = conn.execute(sa.text(
                "SELECT (SELECT count(*) FROM projection_queue), (SELECT count(*) FROM orders),"
                " (SELECT count(DISTINCT order_id) FROM milestones)")).one()
        engine.dispose()
    rate = fetched / elapsed
    peak = max(rss for _, rss in samples)
    print(f"collector (tower collect):    {fetched} records in {elapsed:.1f} s = {rate:,.0f} records/s "
          f"({written} milestones written, {stored} stored, {dead} dead letters)")
    for key, records, seconds in per_stream[:4]:
        print(f"  {key:<28} {records:>9,} records in {seconds:6.1f} s = {records / max(seconds, 1e-9):,.0f} records/s")
    print(f"projections at the end:       {projected:,} orders of {logged:,} in the log, {queued:,} still queued"
          f" -> {'RIGHT' if projected == logged and not queued else 'WRONG'}")
    marks = [samples[min(len(samples) - 1, int(len(samples) * q))] for q in (0.1, 0.25, 0.5, 0.75, 0.99)]
    print("collector RSS over the run:   " + ", ".join(f"{t:.0f}s {rss:.0f} MB" for t, rss in marks))
    print(f"collector peak RSS:           {peak:.0f} MB (target < 250 MB) -> {'MET' if peak < 250 else 'MISSED'}")
    print(f"CPU per 1,000 records:        collector {1000 * collector_cpu / fetched:.2f} s, "
          f"database {1000 * db_cpu / fetched:.2f} s (load average {os.getloadavg()[0]:.1f})")
    print(f"ratio collector / baseline records/s: {rate / (read / read_s):.2f}")


if __name__ == "__main__":
    main()
