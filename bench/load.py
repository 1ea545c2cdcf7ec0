"""Load: N signed-in users of mixed roles working at once for a while, against a store that
looks like a real one; p50 / p95 and errors per callback, next to a no-op callback measured in
the same run (same server, same load) as a ratio.

    .venv/bin/python bench/load.py                                   # 50 users, 300 s, 100k orders
    .venv/bin/python bench/load.py --users 50 --seconds 120 --orders 100000
    .venv/bin/python bench/load.py --orders 1000000 --reuse postgresql://...   # measure again

The store: bench/pages.sql's read models (orders, queues, KPI facts, exceptions, ...) for
`--orders` orders, then the backlogs a live store has and that a load with triggers off never
has (bench/load.sql): `--kpi-backlog` marks in kpi_dirty (the demo had ~700k; counting them
broke /queues live), `--dirty-backlog` orders in dirty_orders, and a timeline of milestones for
the orders the users open. The triggers stay on, so the users' actions mark KPI work as in life.

The app: served by waitress in its own process exactly as `tower web` serves it (create_app,
the same waitress settings, `--threads`), plus one no-op callback registered by the bench.
The users: one thread each with its own session (its own user of its role), over real HTTP on
loopback, each doing its role's work then thinking `--think` seconds, until the time is up:
  cs          search by a customer PO or name, then open an order (its page and callbacks)
  supervisor  refresh /queues (the matrix, the trend, the cell list)
  finance     load /exceptions, then acknowledge or comment on an open exception
  executive   load /kpis (the cards, the trend and drill)
An answer that is not HTTP 200 is an error; a 200 that shows the "figures are not current"
notice (the database was too slow and the page showed its last good figures) is counted as
degraded. Target (issue 9) on 2 cores: 0 errors, p95 < 1 s for every callback at 50 users.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Iterator

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _common  # noqa: E402
from bench._common import bench_database  # noqa: E402
from bench.pages import _body, _p, generate, page_bodies  # noqa: E402
from tower import clock, config, sqlfiles  # noqa: E402
from tower.db import make_engine, raw  # noqa: E402

_SQL = sqlfiles.load_psycopg(__file__, "load.sql")
NOOP = ("health-bench-noop", "health-bench-noop-in")
ROLES = ("cs", "supervisor", "finance", "executive")
PASSWORD = "bench-password-123"
EVERY = 50  # every 50th order has a timeline (the ones the users open)


def add_backlogs(url: str, *, n: int, kpi_marks: int, dirty: int) -> None:
    engine = make_engine(url)
    params = {"n": n, "now": clock.now(), "marks": kpi_marks, "minutes": 70, "dirty": dirty, "every": EVERY}
    with engine.begin() as conn:
        pg = raw(conn)
        for step in ("kpi_backlog", "dirty_backlog", "milestones"):
            t = time.perf_counter()
            pg.execute(_SQL[step], params)
            print(f"  {step:<17} {time.perf_counter() - t:6.1f} s", flush=True)
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        raw(conn).execute("VACUUM ANALYZE")
    engine.dispose()


def _serve_here(url: str, port: int, threads: int, processes: int) -> None:
    """The server: tower web's serving (tower.web_server: its waitress settings, `processes`
    workers sharing the port), the app plus the bench's no-op callback."""
    import dash

    from tower import config
    from tower.app import create_app
    from tower.web_server import serve, waitress_options

    def make_app():
        app = create_app(config.load({"TOWER_SECRET_KEY": "bench-secret", "TOWER_LOG_LEVEL": "WARNING"}), db_url=url)
        app.callback(dash.Output(NOOP[0], "children"), dash.Input(NOOP[1], "value"))(lambda v: v)
        return app.server

    serve(make_app, host="127.0.0.1", port=port, processes=processes,
          options={**waitress_options(threads=threads, max_body_bytes=32 * 1024 * 1024), "_quiet": True})


@contextlib.contextmanager
def served(url: str, threads: int, processes: int = 1) -> Iterator[list[str]]:
    """One port served by `processes` web processes, as `tower web --processes` serves it."""
    with _one_server(url, threads, processes) as base:
        yield [base]


@contextlib.contextmanager
def _one_server(url: str, threads: int, processes: int) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"tower-bench-load-{port}.log", "w")
    proc = subprocess.Popen([sys.executable, __file__, "--serve", url, "--port", str(port),
                             "--threads", str(threads), "--web-processes", str(processes)], stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"bench: the server exited ({proc.returncode}); see {log.name}")
            try:
                if httpx.get(base + "/login", timeout=2).status_code < 500:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"bench: the server did not answer within 120 s; see {log.name}")
            time.sleep(0.3)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def make_users(url: str, count: int) -> list[tuple[str, str]]:
    from tower.auth import users

    engine = make_engine(url)
    made = []
    with engine.begin() as conn:
        for k in range(count):
            role = ROLES[k % len(ROLES)]
            name = f"bench-{role}-{k}"
            users.add(conn=conn, username=name, password=PASSWORD, role=role, replace=True)
            made.append((name, role))
        users.add(conn=conn, username="bench-admin", password=PASSWORD, role="admin", replace=True)
    engine.dispose()
    return made


def sign_in(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=60)
    signed = _common.sign_in(client, username, PASSWORD)  # the form's CSRF token, as a browser
    if signed.status_code >= 400 or "error" in signed.headers.get("location", "error"):
        raise SystemExit(f"bench: {username} could not sign in ({signed.status_code})")
    return client


class Work:
    """The request bodies each role sends, built once from the app's own layouts."""

    def __init__(self, admin: httpx.Client, url: str):
        deps = admin.get("/_dash-dependencies").raise_for_status().json()
        router = next(d for d in deps if "_pages_content" in d["output"])
        self.noop = _body(next(d for d in deps if NOOP[0] in d["output"]), {(NOOP[1], "value"): "x"})
        engine = make_engine(url)
        with engine.connect() as conn:
            pg = raw(conn)
            self.orders = pg.execute(_SQL["sample_orders"], {"every": EVERY}).fetchall()
            self.exceptions = [r[0] for r in pg.execute(_SQL["open_exceptions"]).fetchall()]
        engine.dispose()
        self.pages = {path: page_bodies(admin, deps, router, path)
                      for path in ("/queues", "/kpis", "/exceptions")}
        self.order_pages = [page_bodies(admin, deps, router, f"/orders/{o[0]}") for o in self.orders[:20]]
        search = next(d for d in deps if d["output"] == "orders-results.children")
        self.search = lambda text: _body(search, {("orders-search", "value"): text})
        self.act_dep = next(d for d in deps if d["output"].startswith("..exceptions-feedback.children"))

    def act(self, exception_id: int, button: str) -> dict:
        values = {(button, "n_clicks"): 1, ("exceptions-grid", "selectedRows"): [{"exception_id": exception_id}],
                  ("exceptions-comment", "value"): "bench: looked at it", ("exceptions-filters", "data"): {}}
        body = _body(self.act_dep, values)
        body["changedPropIds"] = [f"{button}.n_clicks"]
        return body

    def task(self, role: str, rng: random.Random) -> list[tuple[str, dict]]:
        if role == "cs":
            order_id, po, name = rng.choice(self.orders)
            steps = [("/orders search", self.search(rng.choice([po, name, order_id])))]
            return steps + [(f"/orders/<id> {label}", body) for label, body in rng.choice(self.order_pages)]
        if role == "finance":
            steps = [(f"/exceptions {label}", body) for label, body in self.pages["/exceptions"]]
            if self.exceptions:
                button = rng.choice(["exceptions-ack", "exceptions-comment-btn"])
                steps.append((f"/exceptions action ({button.removeprefix('exceptions-')})",
                               self.act(rng.choice(self.exceptions), button)))
            return steps
        page = "/queues" if role == "supervisor" else "/kpis"
        # A refresh, not a first load: the page's callbacks without the router.
        return [(f"{page} {label}", body) for label, body in self.pages[page] if "router" not in label]


class Results:
    def __init__(self):
        self.lock = threading.Lock()
        self.times: dict[str, list[float]] = defaultdict(list)
        self.errors: dict[str, int] = defaultdict(int)
        self.degraded: dict[str, int] = defaultdict(int)
        self.samples: dict[str, str] = {}

    def record(self, label: str, ms: float, status: int | str, text: str) -> None:
        with self.lock:
            self.times[label].append(ms)
            if status != 200:
                self.errors[label] += 1
                self.samples.setdefault(label, f"{status}: {text[:200]}")
            elif "slow-read-notice" in text:
                self.degraded[label] += 1


def _call(client: httpx.Client, label: str, body: dict, results: Results) -> None:
    t = time.perf_counter()
    try:
        r = client.post("/_dash-update-component", json=body)
        status, text = r.status_code, r.text
    except httpx.HTTPError as exc:
        status, text = type(exc).__name__, str(exc)
    results.record(label, (time.perf_counter() - t) * 1000, status, text)


def user_loop(client: httpx.Client, role: str, work: Work, until: float, think: tuple[float, float],
              results: Results, seed: int) -> None:
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, think[1]))  # users do not all start in the same second
    while time.monotonic() < until:
        for label, body in work.task(role, rng):
            if time.monotonic() >= until:
                return
            _call(client, label, body, results)
        time.sleep(rng.uniform(*think))


def noop_loop(client: httpx.Client, work: Work, until: float, results: Results) -> None:
    while time.monotonic() < until:
        _call(client, "(baseline) no-op callback", work.noop, results)
        time.sleep(0.5)


@contextlib.contextmanager
def _database(n: int, days: int, reuse: str | None, kpi_marks: int, dirty: int) -> Iterator[str]:
    if reuse:
        yield reuse
        return
    with bench_database(f"tower_bench_load_{n}") as url:
        print(f"generating {n:,} orders over {days} days, then the backlogs ...", flush=True)
        took = generate(url, n, days)
        add_backlogs(url, n=n, kpi_marks=kpi_marks, dirty=dirty)
        print(f"  generated in {took:.0f} s (read models)", flush=True)
        yield url


def run(args: argparse.Namespace) -> int:
    think = tuple(float(x) for x in args.think.split("-"))
    with _database(args.orders, args.days, args.reuse, args.kpi_backlog, args.dirty_backlog) as url:
        accounts = make_users(url, args.users)
        with served(url, args.threads, args.web_processes) as bases:
            admin = sign_in(bases[0], "bench-admin")
            work = Work(admin, url)
            # Users spread over the web processes as a proxy would (sessions are valid on each).
            clients = [(sign_in(bases[k % len(bases)], name), role)
                       for k, (name, role) in enumerate(accounts[:args.users])]
            results = Results()
            load_before = os.getloadavg()
            started = time.monotonic()
            until = started + args.seconds
            threads = [threading.Thread(target=user_loop, args=(c, role, work, until, think, results, k), daemon=True)
                       for k, (c, role) in enumerate(clients)]
            threads.append(threading.Thread(target=noop_loop, args=(admin, work, until, results), daemon=True))
            mix = ", ".join(f"{sum(1 for _, r in clients if r == role)} {role}" for role in ROLES)
            print(f"{args.users} users ({mix}) for {args.seconds} s, think {args.think} s, "
                  f"{args.web_processes} web process(es) x {args.threads} threads; load average before "
                  f"{load_before[0]:.1f}", flush=True)
            for t in threads:
                t.start()
            for t in threads:
                t.join(args.seconds + 180)  # bounded: a request times out after 60 s
            elapsed = time.monotonic() - started
            load_after = os.getloadavg()
            for c, _ in clients:
                c.close()
            admin.close()
    return report(results, elapsed, load_before, load_after, args)


def report(results: Results, elapsed: float, before, after, args) -> int:
    base = results.times.get("(baseline) no-op callback") or [1.0]
    base_p50 = statistics.median(base)
    print(f"\n{args.orders:,} orders, {args.users} users, {args.web_processes} web process(es), {elapsed:.0f} s; load average "
          f"{before[0]:.1f} before, {after[0]:.1f} / {after[1]:.1f} / {after[2]:.1f} after (1/5/15 min)")
    print(f"{'callback':<78} {'calls':>6} {'errors':>6} {'degr.':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'x no-op':>7}")
    failed = 0
    for label in sorted(results.times, key=lambda k: (not k.startswith("("), k)):
        times = results.times[label]
        p95 = _p(times, 95)
        errors = results.errors.get(label, 0)
        failed += errors + (p95 > 1000 and not label.startswith("("))
        print(f"{label[:78]:<78} {len(times):>6} {errors:>6} {results.degraded.get(label, 0):>5} "
              f"{_p(times, 50):>8.1f} {p95:>8.1f} {max(times):>8.1f} {_p(times, 50) / base_p50:>7.1f}")
    for label, sample in results.samples.items():
        print(f"  first error of {label}: {sample}")
    total = sum(len(t) for t in results.times.values())
    print(f"\n{total} calls, {sum(results.errors.values())} errors, {sum(results.degraded.values())} degraded "
          f"(last good figures shown); target: 0 errors, p95 < 1000 ms per callback -> "
          f"{'met' if not failed else 'NOT met'}")
    return 0


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # still removes the throwaway Postgres
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--users", type=int, default=50, help="signed-in users working at once (default 50)")
    ap.add_argument("--seconds", type=int, default=300, help="how long they work (default 300)")
    ap.add_argument("--orders", type=int, default=100_000, help="orders in the store (default 100000)")
    ap.add_argument("--days", type=int, default=365, help="history the orders are spread over (default 365)")
    ap.add_argument("--kpi-backlog", type=int, default=700_000, help="marks in kpi_dirty (default 700000)")
    ap.add_argument("--dirty-backlog", type=int, default=5_000, help="orders in dirty_orders (default 5000)")
    ap.add_argument("--think", default="2-6", help="seconds a user pauses between tasks, min-max (default 2-6)")
    ap.add_argument("--threads", type=int, default=None, help="web server threads per process (default TOWER_WEB_THREADS)")
    ap.add_argument("--web-processes", type=int, default=1,
                    help="web processes sharing the port, as tower web --processes serves them (default 1)")
    ap.add_argument("--reuse", metavar="URL", help="an already generated database (with --orders giving its size)")
    ap.add_argument("--serve", metavar="URL", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    args.threads = args.threads or config.load().web_threads
    if args.serve:
        _serve_here(args.serve, args.port, args.threads, args.web_processes)
        return 0
    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
