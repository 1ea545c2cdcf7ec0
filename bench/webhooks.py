"""Benchmark: webhook acknowledgement latency at a steady push rate, against a no-op POST on
the same server.

    python bench/webhooks.py [--rate 200] [--seconds 10]

`tower web`'s app (create_app) is served by waitress on loopback in its own process, with the
threads `tower web` uses (TOWER_WEB_THREADS, or `--threads`);
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
SERVICE = "/hooks/bench-service-times"


def _timing(wsgi, served: dict[str, list[float]]):
    """In-process service time per path (from the app being called to its answer's last byte
    handed back), so that the serving tail (queueing for a thread) can be told from the work."""
    def app(environ, start_response):
        started = time.perf_counter()
        body = list(wsgi(environ, start_response))
        served.setdefault(environ["PATH_INFO"], []).append((time.perf_counter() - started) * 1000)
        return body
    return app


def _serve_forever(url: str, port: int, threads: int | None) -> None:
    from waitress.server import create_server

    from tower.app import create_app

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    settings = config.load({"TOWER_SECRET_KEY": "bench-secret", "TOWER_WEBHOOK_SECRETS": f"bench={SECRET}"})
    app = create_app(settings, db_url=url)
    app.server.add_url_rule(NOOP, "bench_noop", lambda: ("ok", 200), methods=["POST"])
    served: dict[str, list[float]] = {}
    app.server.wsgi_app = _timing(app.server.wsgi_app, served)
    app.server.add_url_rule(SERVICE, "bench_service", lambda: served, methods=["GET"])
    create_server(app.server, host="127.0.0.1", port=port, threads=threads or settings.web_threads).run()


def serve(url: str, threads: int | None = None) -> tuple[str, multiprocessing.Process]:
    """The web app in its own process (as `tower web` runs), so the load generator's threads do
    not share its interpreter; returns the base URL once it answers."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(target=_serve_forever, args=(url, port, threads),
                                                          daemon=True)
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
    ap.add_argument("--threads", type=int, default=None, help="waitress threads (default TOWER_WEB_THREADS)")
    args = ap.parse_args()
    count = int(args.rate * args.seconds)
    with bench_database("tower_bench_webhooks") as url:
        base, process = serve(url, args.threads)
        drive(base, NOOP, 50, args.rate, False)                       # warm up both routes
        drive(base, "/hooks/carrier/bench", 50, args.rate, True)
        noop = drive(base, NOOP, count, args.rate, False)
        hooks = drive(base, "/hooks/carrier/bench", count, args.rate, True)
        served = httpx.get(base + SERVICE, timeout=30).json()
        inside = {path: times[-count:] for path, times in served.items()}
        engine = make_engine(url)
        with engine.connect() as conn:   # statements the group commit used: one xmin per commit
            batches = conn.exec_driver_sql("SELECT count(DISTINCT xmin::text) FROM webhook_inbox").scalar_one()
        started = time.perf_counter()
        taken = worker.process(engine)
        drained = time.perf_counter() - started
        engine.dispose()
        process.terminate()
        process.join(10)
    threads = args.threads or config.load().web_threads
    print(f"{count:,} events at {args.rate:.0f}/s (open loop), waitress {threads} threads, "
          f"inbox rows committed {count + 50} in {batches:,} statements")
    print(f"  no-op POST:       p50 {pct(noop, 50):6.1f} ms  p95 {pct(noop, 95):6.1f} ms  max {max(noop):6.1f} ms")
    print(f"  webhook ack:      p50 {pct(hooks, 50):6.1f} ms  p95 {pct(hooks, 95):6.1f} ms  max {max(hooks):6.1f} ms")
    for label, path in (("no-op POST", NOOP), ("webhook ack", "/hooks/carrier/bench")):
        print(f"  {label + ', in process:':<30} p50 {pct(inside[path], 50):6.1f} ms  p95 {pct(inside[path], 95):6.1f} ms")
    print(f"  ratio p95 webhook / no-op: {pct(hooks, 95) / pct(noop, 95):.2f}   target: webhook p95 < 50 ms "
          f"({'met' if pct(hooks, 95) < 50 else 'NOT met'})")
    print(f"  inbox job: {taken:,} events mapped and ingested in {drained:.1f} s ({taken / drained:,.0f} events/s)")


if __name__ == "__main__":
    main()
