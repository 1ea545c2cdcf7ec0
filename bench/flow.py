"""The process map and conformance of /flow over N orders, tower against pm4py on the same log.

    .venv/bin/python bench/flow.py                 # 100k orders
    .venv/bin/python bench/flow.py --orders 1000000

The store: a synthetic order-to-cash log (bench/flow.sql: ~11 events per order, seven variants
incl. credit holds, shipping before credit release, invoicing before shipping, a skipped pick,
cancellations, open orders) in a fresh database. Measured, in the same run:

  tower build    the maintained facts from scratch (tower.process.refresh: every order's
                 transitions with business hours, and its conformance verdict), set-based SQL;
  tower read     what /flow asks per request once the facts are maintained: the process map,
                 the slowest transitions (with the previous period), the conformance summary
                 and its weekly trend, over every order;
  pm4py          on the same log as a pandas DataFrame (the read from Postgres not counted):
                 the frequency DFG + the performance DFG (the process map) and token-based
                 replay on a Petri net of the flow's skeleton (placed → released → picked →
                 packed → shipped → delivered → invoiced → paid, repeats as self-loops, stop
                 after any step) — less than tower checks (tower's model also has the
                 optional steps, prerequisites and cancellations).

Printed: seconds of each and the ratios pm4py / tower read and pm4py / tower build. Target
(issue 14): tower >= 10x faster than pm4py for what a page asks.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import timedelta
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database  # noqa: E402
from tests.process.skeleton_net import SKELETON, skeleton_net  # noqa: E402
from tower import clock  # noqa: E402
from tower.data import flow  # noqa: E402
from tower.data.scope import Scope  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.process import refresh  # noqa: E402
from tower.rules.policy import cached  # noqa: E402
from tower.sqlfiles import load  # noqa: E402

_Q = load(__file__, "flow.sql")
DAYS = 180


def generate(engine: sa.Engine, n: int) -> int:
    with engine.begin() as conn:
        conn.execute(sa.text("ALTER TABLE orders DISABLE TRIGGER USER"))
        create, fill = _Q["variants"].text.split(";", 1)   # two statements: the steps table, its rows
        conn.execute(sa.text(create))
        conn.execute(sa.text(fill))
        conn.execute(_Q["orders"], {"n": n, "days": DAYS})
        conn.execute(_Q["milestones"], {"n": n, "days": DAYS})
        conn.execute(_Q["shipments"])
        conn.execute(sa.text("ALTER TABLE orders ENABLE TRIGGER USER"))
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
        return int(conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one())


def tower_read(engine: sa.Engine, days: int = DAYS + 1) -> tuple[dict, dict]:
    """What /flow reads for the last `days` days (default: every order), and seconds per read."""
    today = clock.now().date()
    filters = flow.FlowFilters(start=today - timedelta(days=days), end=today + timedelta(days=1))
    scope = Scope.everything()
    reads = {"map": flow.process_map, "slow": flow.bottlenecks, "conformance": flow.conformance,
             "trend": flow.conformance_trend}
    out, seconds = {}, {}
    with engine.connect() as conn:
        for name, read in reads.items():
            t = time.perf_counter()
            out[name] = read(conn=conn, filters=filters, scope=scope)
            seconds[name] = time.perf_counter() - t
    return out, seconds


def pm4py_run(log: pd.DataFrame) -> dict:
    import pm4py

    dfg, _, _ = pm4py.discover_dfg(log)
    perf, _, _ = pm4py.discover_performance_dfg(log)
    net, im, fm = skeleton_net()
    projected = log[log["concept:name"].isin(SKELETON)]
    replay = pm4py.conformance_diagnostics_token_based_replay(projected, net, im, fm)
    return {"dfg": dfg, "perf": perf, "fit": sum(1 for r in replay if r["trace_is_fit"]), "cases": len(replay)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=100_000)
    args = ap.parse_args()
    policy = cached()
    with bench_database("tower_bench_flow") as url:
        engine = make_engine(url)
        t = time.perf_counter()
        events = generate(engine, args.orders)
        print(f"log: {args.orders:,} orders, {events:,} events (generated in {time.perf_counter() - t:.1f} s)")

        t = time.perf_counter()
        built = refresh.run(engine, policy=policy, budget_seconds=1e9)   # the job's own batches
        build_s = time.perf_counter() - t
        with engine.connect() as conn:
            facts = conn.execute(sa.text("SELECT count(*) FROM flow_transitions")).scalar_one()
        print(f"tower build: {build_s:8.2f} s  ({built.orders:,} orders, {facts:,} transitions, caught up: {built.caught_up})")

        tower_read(engine)   # warm the cache once, as a page that has been opened before
        result, parts = tower_read(engine)
        read_s = sum(parts.values())
        c = result["conformance"]
        print(f"tower read:  {read_s:8.2f} s  ({len(result['map'])} transitions, conformance "
              f"{c['conforming']:,} of {c['orders']:,}; " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()) + ")")
        _, page = tower_read(engine, days=28)
        print(f"tower read, the page's default 28 days: {sum(page.values()):.2f} s")

        with engine.connect() as conn:
            log = pd.DataFrame(conn.execute(_Q["log"]).all(), columns=["case:concept:name", "concept:name",
                                                                        "time:timestamp"])
        engine.dispose()
    t = time.perf_counter()
    pm = pm4py_run(log)
    pm_s = time.perf_counter() - t
    print(f"pm4py:       {pm_s:8.2f} s  ({len(pm['dfg'])} transitions, token replay: {pm['fit']:,} of "
          f"{pm['cases']:,} traces fit the skeleton)")
    ours = {(r.from_kind, r.to_kind): r.n for r in result["map"].itertuples() if r.from_kind != "start"}
    print(f"same transitions and frequencies as pm4py: {ours == dict(pm['dfg'])}")
    print(f"ratio pm4py / tower read:  {pm_s / read_s:6.1f}x  (target >= 10x)")
    print(f"ratio pm4py / tower build: {pm_s / build_s:6.1f}x  (the facts from scratch, once; then per changed order)")


if __name__ == "__main__":
    main()
