"""Benchmark: freshness — time from a change in a sandbox system to the fact in the store.

    python bench/freshness.py [--seconds 90] [--poll-seconds 5] [--orders-per-day 20000]

Starts a private Postgres (or TOWER_BENCH_DATABASE_URL), a live sandbox and the real collector
process (`tower collect`, default poll interval unless --poll-seconds), waits until it has
caught up with the sandbox's history, then for `--seconds` watches two things:

* the store: every 50 ms, which facts (milestones and parked milestones) became visible;
* the baseline, measured in the same run: a tight poller reading the sandbox's endpoints
  directly every 100 ms — the freshest a reader of these APIs can be, with no database.

For every record version the sandbox published in the window, latency = first moment one of
its new facts was visible in the store − the moment the sandbox published it. Prints p50 / p95
/ max for both, the target (p95 <= poll interval + 1 s) and the ratios.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from collectors import registry  # noqa: E402
from collectors.stream import SkipRecord  # noqa: E402
from tower import config  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.milestones import parse_time  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


class StoreWatcher(threading.Thread):
    """Notes when each (source, source_event_id) first becomes visible to another session."""

    def __init__(self, engine: sa.Engine) -> None:
        super().__init__(daemon=True)
        self.engine, self.seen, self.stop = engine, {}, threading.Event()

    def run(self) -> None:
        since = utcnow() - timedelta(minutes=1)
        query = sa.text("SELECT source, source_event_id, recorded_at FROM milestones WHERE recorded_at > :t "
                        "UNION ALL SELECT source, source_event_id, parked_at FROM parked_milestones WHERE parked_at > :t")
        with self.engine.connect() as conn:
            while not self.stop.wait(0.05):
                now = utcnow()
                # recorded_at is the writer's transaction start, so re-read a margin behind it.
                for source, sid, at in conn.execute(query, {"t": since - timedelta(seconds=30)}):
                    self.seen.setdefault((source, sid), now)
                    since = max(since, at)
                conn.rollback()


class SourceWatcher(threading.Thread):
    """The baseline: reads every endpoint directly, noting when each record version appears."""

    def __init__(self, endpoints: dict, since: datetime) -> None:
        super().__init__(daemon=True)
        self.endpoints, self.since, self.seen, self.stop = endpoints, since, {}, threading.Event()

    def run(self) -> None:
        streams = registry.build_streams(self.endpoints, page_size=500)
        marks = {s.key: self.since for s in streams}
        while not self.stop.wait(0.1):
            for stream in streams:
                now = utcnow()
                for page in stream.fetch(marks[stream.key] - timedelta(seconds=1)):
                    for record in page:
                        key = (stream.source, stream.path.rsplit("/", 1)[1], record[stream.natural_key[0]],
                               record["updated_at"])
                        self.seen.setdefault(key, now)
                        marks[stream.key] = max(marks[stream.key], parse_time(record["updated_at"], "u"))
        registry.close_streams(streams)


def wait_caught_up(engine: sa.Engine, streams: int, proc: subprocess.Popen, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the collector exited with {proc.returncode}")
        with engine.connect() as conn:
            done = conn.execute(sa.text(
                "SELECT count(*) FROM (SELECT source, stream FROM collector_runs WHERE status = 'ok' "
                "GROUP BY 1, 2 HAVING count(*) >= 2) s")).scalar_one()
        if done >= streams:
            return
        time.sleep(0.5)
    raise SystemExit("the collector did not catch up with the history in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=90.0)
    parser.add_argument("--poll-seconds", type=float, default=None,
                        help="collector poll interval (default: TOWER_POLL_SECONDS, 5 s)")
    parser.add_argument("--orders-per-day", type=float, default=20000)
    args = parser.parse_args()
    poll = args.poll_seconds or config.load().poll_seconds

    from tower.sandbox.server import start_sandbox

    with bench_database("tower_bench_freshness") as url, tempfile.TemporaryDirectory() as tmp:
        engine = make_engine(url)
        print(f"starting the sandbox ({args.orders_per_day:g} orders/day, live) ...", flush=True)
        sb = start_sandbox(Path(tmp), seed=7, days=0, orders_per_day=args.orders_per_day, live=True,
                           rate_limit=500.0)
        info = sb.write_info()
        env = {**os.environ, "TOWER_DATABASE_URL": url, "TOWER_DATA_DIR": tmp,
               "TOWER_POLL_SECONDS": str(poll), "TOWER_LOG_LEVEL": "WARNING"}
        proc = subprocess.Popen([sys.executable, "-m", "tower", "collect", "--sources", str(info),
                                 "--no-housekeeping"], cwd=ROOT, env=env)
        try:
            wait_caught_up(engine, len(registry.stream_classes()), proc)
            start = utcnow()
            store, source = StoreWatcher(engine), SourceWatcher(registry.endpoints_from_file(info), start)
            store.start()
            source.start()
            print(f"caught up; measuring for {args.seconds:g} s at a {poll:g} s poll interval ...", flush=True)
            time.sleep(args.seconds)
            end = utcnow()
            time.sleep(poll + 3)  # let the last changes of the window land
            store.stop.set()
            source.stop.set()
            store.join()
            source.join()
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        collector, baseline, missing = measure(sb, store.seen, source.seen, start, end)
        sb.stop()
        engine.dispose()
    report(collector, baseline, missing, poll)


def measure(sb, stored: dict, direct: dict, start: datetime, end: datetime):
    """Latencies (seconds) per record version published in [start, end)."""
    collector, baseline, missing = [], [], 0
    for system in ("erp", "wms", "carrier", "finance"):
        known: dict[tuple[str, str], set[str]] = {}
        for row in sb.ledger(system):
            stream = next(cls(None) for cls in registry.stream_classes().values()
                          if cls.source == system and cls.path.endswith("/" + row["resource"]))
            try:
                _, milestones = stream.map(row["record"])
            except SkipRecord:
                continue
            sids = {m.source_event_id for m in milestones}
            new = sids - known.get((row["resource"], row["key"]), set())
            known[(row["resource"], row["key"])] = sids | known.get((row["resource"], row["key"]), set())
            published = parse_time(row["published_at"], "published_at")
            if not (start <= published < end) or not new:
                continue
            seen = [stored[(system, sid)] for sid in new if (system, sid) in stored]
            if not seen:
                missing += 1
                continue
            collector.append((min(seen) - published).total_seconds())
            direct_seen = direct.get((system, row["resource"], row["key"], row["record"]["updated_at"]))
            if direct_seen is not None:
                baseline.append((direct_seen - published).total_seconds())
    return collector, baseline, missing


def report(collector: list[float], baseline: list[float], missing: int, poll: float) -> None:
    if not collector:
        raise SystemExit("no changes were published in the window; run longer or raise --orders-per-day")
    c50, c95 = statistics.median(collector), pct(collector, 0.95)
    b50, b95 = statistics.median(baseline), pct(baseline, 0.95)
    print(f"changes measured:             {len(collector)} (not in the store by the end: {missing})")
    print(f"baseline (direct API reads):  p50 {b50:.2f} s  p95 {b95:.2f} s  ({len(baseline)} changes)")
    print(f"collector -> store:           p50 {c50:.2f} s  p95 {c95:.2f} s  max {max(collector):.2f} s")
    target = poll + 1.0
    print(f"target p95 <= poll + 1 s:     {target:.2f} s -> {'MET' if c95 <= target else 'MISSED'}")
    print(f"ratio p95 collector / target: {c95 / target:.2f}")
    print(f"ratio p95 collector / baseline p95: {c95 / b95 if b95 > 0 else float('inf'):.2f}")


if __name__ == "__main__":
    main()
