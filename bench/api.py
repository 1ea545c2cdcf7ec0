"""API latency: p50 / p95 of order lookup by id and by customer PO, the exception list and KPI
values at 100k (and optionally 1M) orders, next to a trivial authenticated endpoint
(GET /api/v1/me: token check, no other read) on the same server in the same run, as ratios.

    .venv/bin/python bench/api.py --orders 100000            # a few minutes (mostly generating)
    .venv/bin/python bench/api.py --orders 1000000 --repeat 50

How: the same synthetic database as bench/pages.py (bench/pages.sql, written straight into the
read models) plus an identifiers row per customer PO (what order search looks up), the real
app (create_app) served by waitress on loopback, an admin token made with tower.auth.tokens,
and `--repeat` timed calls per endpoint after two warm-ups. The rate limit is lifted for the
run (it is not what is measured). Target (issue 11): order lookup p95 <= 3x the trivial one.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database  # noqa: E402
from bench.pages import _p, generate  # noqa: E402
from tower import clock, config  # noqa: E402
from tower.db import make_engine  # noqa: E402


def _identifiers(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO identifiers (system, kind, value, order_id) "
                             "SELECT 'erp', 'customer_po', customer_po, order_id FROM orders ON CONFLICT DO NOTHING"))
        conn.execute(sa.text("ANALYZE identifiers"))
    engine.dispose()


def _serve(url: str) -> tuple[str, str]:
    import socket
    import threading

    from waitress.server import create_server

    from tower.app import create_app
    from tower.auth import tokens, users

    engine = make_engine(url)
    with engine.begin() as conn:
        users.add(conn=conn, username="bench", password="bench-password-1", role="admin", replace=True)
        made = tokens.create(conn=conn, username="bench", scopes=["admin"], by="bench", now=clock.now())
    engine.dispose()
    app = create_app(config.load({"TOWER_SECRET_KEY": "bench-secret"}), db_url=url)
    app.server.config["TOWER_API_RATE_LIMIT"] = "1000000 per minute"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = create_server(app.server, host="127.0.0.1", port=port, threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return f"http://127.0.0.1:{port}", made.secret


def _timed(client: httpx.Client, path: str, repeat: int) -> list[float]:
    for _ in range(2):
        client.get(path).raise_for_status()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        r = client.get(path)
        times.append((time.perf_counter() - t) * 1000)
        r.raise_for_status()
    return times


def run(n: int, days: int, repeat: int) -> list[tuple]:
    rows = []
    with bench_database(f"tower_bench_api_{n}") as url:
        print(f"generating {n:,} orders over {days} days ...", flush=True)
        print(f"  generated in {generate(url, n, days):.0f} s", flush=True)
        _identifiers(url)
        base, secret = _serve(url)
        order = "B" + str(n // 2).rjust(8, "0")
        paths = {"order by id": f"/api/v1/orders/{order}", "order by PO": f"/api/v1/orders?q=PO-{n // 3}",
                 "exception list (50)": "/api/v1/exceptions?limit=50", "KPI values (30 days)": "/api/v1/kpis"}
        with httpx.Client(base_url=base, timeout=120, headers={"Authorization": f"Bearer {secret}"}) as client:
            found = client.get(paths["order by PO"]).json()["items"]
            assert found and found[0]["order_id"] == "B" + str(n // 3).rjust(8, "0"), found[:1]
            trivial = _timed(client, "/api/v1/me", repeat * 2)
            base_p50, base_p95 = _p(trivial, 50), _p(trivial, 95)
            rows.append((n, "trivial (GET /api/v1/me)", base_p50, base_p95, 1.0, 1.0))
            for label, path in paths.items():
                times = _timed(client, path, repeat)
                rows.append((n, label, _p(times, 50), _p(times, 95), _p(times, 50) / base_p50,
                             _p(times, 95) / base_p95))
                print(f"  {label:<26} p50 {rows[-1][2]:7.1f} ms  p95 {rows[-1][3]:7.1f} ms  "
                      f"(median {statistics.median(times):.1f})", flush=True)
    return rows


def main() -> int:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, action="append", help="orders to generate (repeatable); default 100000")
    ap.add_argument("--days", type=int, default=365)
    ap.add_argument("--repeat", type=int, default=30, help="timed calls per endpoint (default 30)")
    args = ap.parse_args()
    results = []
    for n in args.orders or [100_000]:
        results += run(n, args.days, args.repeat)
    print("\n   orders  endpoint                      p50 ms   p95 ms  p50 x trivial  p95 x trivial")
    for n, label, p50, p95, r50, r95 in results:
        print(f"{n:>9,}  {label:<28} {p50:8.1f} {p95:8.1f} {r50:13.1f} {r95:14.1f}")
    print("\ntarget: order lookup p95 <= 3x the trivial authenticated endpoint")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
