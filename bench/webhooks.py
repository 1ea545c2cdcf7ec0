"""Benchmark: webhook acknowledgement latency at a steady push rate, against a no-op POST on
the same server.

    python bench/webhooks.py [--rate 200] [--seconds 10]

`tower web`'s app (create_app) is served by waitress on loopback in its own process (4 threads);
signed generic-format tracking events are POSTed to /hooks/carrier/bench open-loop at `--rate`
events per second from a pool of senders (each request is due at its slot whether or not the
previous ones were answered, as a carrier's platform does). The baseline is the same load on a
no-op POST route registered by the bench on the same server. Prints p50 / p95 / max of both,
the ratio of the p95s, the target (acknowledgement p95 < 50 ms at 200 events/s), and how long
the collector's inbox job takes to map and ingest everything that was acknowledged.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import socket
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database  # noqa: E402
from collectors.carrier_webhooks import worker  # noqa: E402
from tower import config  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.intake import signatures as signature  # noqa: E402

SECRET = "bench-secret-1"
NOOP = "/hooks/bench-noop"


def _serve_forever(url: str, port: int) -> None:
    from waitress.server import create_server

    from tower.app import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    settings = config.load({"TOWER_SECRET_KEY": "bench-secret", "TOWER_WEBHOOK_SECRETS": f"bench={SECRET}"})
    app = create_app(settings, db_url=url)
    app.server.add_url_rule(NOOP, "bench_noop", lambda: ("ok", 200), methods=["POST"])
    create_server(app.server, host="127.0.0.1", port=port, threads=4).run()


def serve(url: str) -> tuple[str, multiprocessing.Process]:
    """The web app in its own process (as `tower web` runs), so the load generator's threads do
    not share its interpreter; returns the base URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(target=_serve_forever, args=(url, port), daemon=True)
    process.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.post(f"http://127.0.0.1:{port}{NOOP}", timeout=1)
            return f"http://127.0.0.1:{port}", process
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit("the web app did not start within 60 s")


def event(n: int) -> bytes:
    return json.dumps({"event_id": f"BENCH-{n}", "tracking_number": f"TRK-{n % 997}", "code": "IN_TRANSIT",
                       "occurred_at": f"2026-01-05T{n % 24:02d}:{n % 60:02d}:{n % 59:02d}Z", "carrier": "SBXC",
                       "updated_at": "2026-01-05T12:00:00Z", "location": {"city": "Dallas"}}).encode()


def drive(base: str, path: str, count: int, rate: float, signed: bool) -> list[float]:
    """Open-loop load: request i is sent at start + i / rate; returns latencies in ms."""
    local = threading.local()
    start = time.perf_counter() + 0.2
    latencies: list[float] = []
    failures: list[int] = []

    def one(i: int) -> None:
        client = getattr(local, "client", None)
        if client is None:
            client = local.client = httpx.Client(base_url=base, timeout=10)
        body = event(i)
        headers = {"Content-Type": "application/json"}
        if signed:
            headers.update(signature.sign("bench", SECRET, body, int(time.time())))
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        sent = time.perf_counter()
        answer = client.post(path, content=body, headers=headers)
        latencies.append((time.perf_counter() - sent) * 1000)
        if answer.status_code not in (200, 202):   # 202 accepted, 200 a duplicate
            failures.append(answer.status_code)

    with ThreadPoolExecutor(max_workers=32) as pool:
        list(pool.map(one, range(count)))
    if failures:
        raise SystemExit(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return latencies


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rate", type=float, default=200.0)
    ap.add_argument("--seconds", type=float, default=10.0)
    args = ap.parse_args()
    count = int(args.rate * args.seconds)
    with bench_database("tower_bench_webhooks") as url:
        base, process = serve(url)
        drive(base, NOOP, 50, args.rate, False)                       # warm up both routes
        drive(base, "/hooks/carrier/bench", 50, args.rate, True)
        noop = drive(base, NOOP, count, args.rate, False)
        hooks = drive(base, "/hooks/carrier/bench", count, args.rate, True)
        engine = make_engine(url)
        started = time.perf_counter()
        taken = worker.process(engine)
        drained = time.perf_counter() - started
        engine.dispose()
        process.terminate()
        process.join(10)
    print(f"{count:,} events at {args.rate:.0f}/s (open loop), waitress 4 threads")
    print(f"  no-op POST:       p50 {pct(noop, 50):6.1f} ms  p95 {pct(noop, 95):6.1f} ms  max {max(noop):6.1f} ms")
    print(f"  webhook ack:      p50 {pct(hooks, 50):6.1f} ms  p95 {pct(hooks, 95):6.1f} ms  max {max(hooks):6.1f} ms")
    print(f"  ratio p95 webhook / no-op: {pct(hooks, 95) / pct(noop, 95):.2f}   target: webhook p95 < 50 ms "
          f"({'met' if pct(hooks, 95) < 50 else 'NOT met'})")
    print(f"  inbox job: {taken:,} events mapped and ingested in {drained:.1f} s ({taken / drained:,.0f} events/s)")


if __name__ == "__main__":
    main()
