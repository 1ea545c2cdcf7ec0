"""Page callback latency: p50 / p95 of each page's callbacks at 100k (and optionally 1M) orders,
next to a no-op callback's round trip on the same server, as ratios.

    .venv/bin/python bench/pages.py --orders 100000            # about a minute
    .venv/bin/python bench/pages.py --orders 100000 --orders 1000000 --repeat 20
    .venv/bin/python bench/pages.py --orders 1000000 --reuse postgresql://...   # measure again

How: a throwaway embedded Postgres (or TOWER_BENCH_DATABASE_URL) gets N synthetic orders
written straight into the projection and read-model tables (orders, order_stage_times,
queue_items, kpi_facts, kpi_daily, exceptions, collector_runs, queue_snapshots: INSERT ... SELECT
generate_series, bench/pages.sql) — the bench measures reads, not ingest. `tower web`'s app
(create_app) is served by waitress on loopback, an admin signs in over HTTP, and for each page
the bench does what a browser does on first load: it calls the page router (the layout), then
every callback the page fires on load, with the values the layout gave its inputs. Each is
timed `--repeat` times after two warm-ups; the baseline is a no-op callback on the same
server (registered by the bench only). Targets (issue 5): queue, exceptions and KPI callbacks
<= 100 ms at 1M orders; the order page <= 3x the no-op.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import statistics
import sys
import threading
import time
from pathlib import Path
from typing import Iterator

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database  # noqa: E402
from tower import clock, config, sqlfiles  # noqa: E402
from tower.db import make_engine, raw  # noqa: E402
from tower.kpis.registry import BUCKETED  # noqa: E402

_SQL = sqlfiles.load(__file__, "pages.sql")
STEPS = ("teams", "orders", "stage_times", "queue_items", "facts", "daily", "exceptions", "exception_events", "incidents",
         "runs", "dead_letters", "snapshots")
PAGES = ("/queues", "/queues?stages=all", "/kpis", "/teams", "/integrations", "/exceptions", "/orders",
         "/orders/{order}")
NOOP = ("health-bench-noop", "health-bench-noop-in")


def generate(url: str, n: int, days: int) -> float:
    """Fill the database; returns seconds taken. Triggers are off while loading (the bench
    writes the read models itself)."""
    started = time.perf_counter()
    engine = make_engine(url)
    params = {"n": n, "days": days, "now": clock.now(), "bucketed": list(BUCKETED)}
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE orders DISABLE TRIGGER USER"))
        conn.execute(sa.text("ALTER TABLE exceptions DISABLE TRIGGER USER"))
        for step in STEPS:
            t = time.perf_counter()
            conn.execute(_SQL[step], params)
            print(f"  {step:<17} {time.perf_counter() - t:6.1f} s", flush=True)
        conn.execute(sa.text("ALTER TABLE orders ENABLE TRIGGER USER"))
        conn.execute(sa.text("ALTER TABLE exceptions ENABLE TRIGGER USER"))
        conn.execute(sa.text("TRUNCATE kpi_dirty"))
    with engine.connect() as conn:
        conn.execution_options(isolation_level="AUTOCOMMIT")
        raw(conn).execute("VACUUM ANALYZE")
    engine.dispose()
    return time.perf_counter() - started


def serve(url: str) -> str:
    """The tower web app on a free loopback port, in a thread; returns its base URL."""
    import socket

    import dash
    from waitress.server import create_server

    from tower.app import create_app
    from tower.auth import users

    engine = make_engine(url)
    with engine.begin() as conn:
        users.add(conn=conn, username="bench", password="bench-password-1", role="admin", replace=True)
    engine.dispose()
    app = create_app(config.load({"TOWER_SECRET_KEY": "bench-secret"}), db_url=url)
    app.callback(dash.Output(NOOP[0], "children"), dash.Input(NOOP[1], "value"))(lambda v: v)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app.server, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}"


def _components(node, found: dict) -> None:
    """Every component with an id in a layout JSON tree: {id: props}."""
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and "type" in node:
            if isinstance(props.get("id"), str):
                found[props["id"]] = props
            for value in props.values():
                _components(value, found)
        else:
            for value in node.values():
                _components(value, found)
    elif isinstance(node, list):
        for item in node:
            _components(item, found)


def _outputs(spec: str) -> list[dict]:
    parts = spec[2:-2].split("...") if spec.startswith("..") else [spec]
    return [{"id": p.rsplit(".", 1)[0], "property": p.rsplit(".", 1)[1]} for p in parts]


def _body(dep: dict, values: dict) -> dict:
    outs = _outputs(dep["output"])
    return {"output": dep["output"], "outputs": outs if dep["output"].startswith("..") else outs[0],
            "inputs": [{**i, "value": values.get((i["id"], i["property"]))} for i in dep["inputs"]],
            "state": [{**s, "value": values.get((s["id"], s["property"]))} for s in dep["state"]],
            "changedPropIds": []}


def timed(client: httpx.Client, body: dict, repeat: int) -> tuple[list[float], dict]:
    answer = {}
    for _ in range(2):
        client.post("/_dash-update-component", json=body).raise_for_status()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.post("/_dash-update-component", json=body)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
        answer = r.json() if r.content else {}
    return times, answer


def page_bodies(client: httpx.Client, deps: list[dict], router: dict, path: str) -> list[tuple[str, dict]]:
    """(label, request body) for the router call of `path` and each callback its page fires on load."""
    pathname, _, search = path.partition("?")
    values = {("_pages_location", "pathname"): pathname, ("_pages_location", "search"): "?" + search if search else ""}
    body = _body(router, values)
    r = client.post("/_dash-update-component", json=body)
    r.raise_for_status()
    layout: dict = {}
    _components(r.json(), layout)
    out = [("layout (page router)", body)]
    prefix = pathname.strip("/").split("/")[0]
    prefix = "order" if pathname.startswith("/orders/") else prefix
    for dep in deps:
        if dep.get("clientside_function") or dep.get("prevent_initial_call") or "{" in dep["output"]:
            continue
        ids = [o["id"] for o in _outputs(dep["output"])]
        if not all(i.startswith(prefix + "-") for i in ids):
            continue
        if not all(isinstance(i["id"], str) and i["id"] in layout for i in dep["inputs"]):
            continue
        vals = {(cid, prop): value for cid, props in layout.items() for prop, value in props.items()}
        if prefix == "orders":  # a search as a person types it: a customer PO
            vals.update({(i["id"], i["property"]): "PO-4242" for i in dep["inputs"] if i["id"].endswith("search")})
        label = ", ".join(sorted({o["id"] for o in _outputs(dep["output"])}))
        out.append((label, _body(dep, vals)))
    return out


@contextlib.contextmanager
def _database(n: int, days: int, reuse: str | None) -> Iterator[str]:
    if reuse:  # a database an earlier run generated (see --reuse); nothing is written to it but a user
        yield reuse
        return
    with bench_database(f"tower_bench_pages_{n}") as url:
        print(f"generating {n:,} orders over {days} days ...", flush=True)
        took = generate(url, n, days)
        print(f"  generated in {took:.0f} s", flush=True)
        yield url


def run(n: int, days: int, repeat: int, reuse: str | None = None) -> list[tuple]:
    rows = []
    with _database(n, days, reuse) as url:
        base = serve(url)
        with httpx.Client(base_url=base, timeout=60) as client:
            signed = client.post("/auth/login", data={"username": "bench", "password": "bench-password-1"})
            if "error" in signed.headers.get("location", "error"):
                raise SystemExit(f"bench: could not sign in ({signed.status_code} {signed.headers.get('location')})")
            deps = client.get("/_dash-dependencies").raise_for_status().json()
            router = next(d for d in deps if "_pages_content" in d["output"])
            noop = next(d for d in deps if NOOP[0] in d["output"])
            noop_times, _ = timed(client, _body(noop, {(NOOP[1], "value"): "x"}), repeat * 2)
            base_p50 = statistics.median(noop_times)
            rows.append((n, "(baseline)", "no-op callback", _p(noop_times, 50), _p(noop_times, 95), 1.0))
            for path in PAGES:
                path = path.format(order="B" + str(n // 2).rjust(8, "0"))
                for label, body in page_bodies(client, deps, router, path):
                    times, _ = timed(client, body, repeat)
                    rows.append((n, path, label, _p(times, 50), _p(times, 95), _p(times, 50) / base_p50))
                    print(f"  {path:<22} {label[:58]:<58} p50 {rows[-1][3]:7.1f} ms  p95 {rows[-1][4]:7.1f} ms  "
                          f"{rows[-1][5]:5.1f}x", flush=True)
    return rows


def _p(values: list[float], q: int) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def main() -> int:
    # A stopped bench still removes its throwaway Postgres (bench_database's finally).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, action="append", help="orders to generate (repeatable); default 100000")
    ap.add_argument("--days", type=int, default=365, help="history the orders are spread over (default 365)")
    ap.add_argument("--repeat", type=int, default=15, help="timed calls per callback (default 15)")
    ap.add_argument("--reuse", metavar="URL", help="measure an already generated database (with one --orders "
                                                   "giving its size) instead of generating one")
    args = ap.parse_args()
    results = []
    for n in args.orders or [100_000]:
        results += run(n, args.days, args.repeat, args.reuse)
    print("\norders    page                   callback (outputs)                                          p50 ms   p95 ms  x no-op")
    for n, path, label, p50, p95, ratio in results:
        print(f"{n:>9,} {path:<22} {label[:58]:<58} {p50:8.1f} {p95:8.1f} {ratio:7.1f}")
    print("\ntargets: queue, exceptions and KPI callbacks <= 100 ms at 1M orders; the order page <= 3x the no-op")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
