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
                 and its weekly trend, over every order — from the rollups (days and blocks
                 of days, as a page reads), and once more from the facts themselves (exact
                 quantiles);
  pm4py          on the same log as a pandas DataFrame (the read from Postgres not counted):
                 the frequency DFG + the performance DFG (the process map) and token-based
                 replay on a Petri net of the flow's skeleton (placed → released → picked →
                 packed → shipped → delivered → invoiced → paid, repeats as self-loops, stop
                 after any step) — less than tower checks (tower's model also has the
                 optional steps, prerequisites and cancellations).

With --pm4py-orders N, pm4py runs on a random sample of N orders and its time is extrapolated
linearly by events — printed as such, never as a measurement; only for logs beyond pm4py's
time or memory on the machine at hand. (At 1M orders it is not: pm4py took 6 s on a 100k-order
sample, so run it on the whole log.)

Printed: seconds of each and the ratios pm4py / tower read and pm4py / tower build. Target
(issue 14): tower >= 10x faster than pm4py for what a page asks.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable

import pandas as pd
import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._common import bench_database  # noqa: E402
from tests.process.skeleton_net import SKELETON, skeleton_net  # noqa: E402
from tower import clock  # noqa: E402
from tower.data import flow  # noqa: E402
from tower.data.scope import Scope  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.process import refresh, rollup  # noqa: E402
from tower.rules.policy import cached  # noqa: E402
from tower.sqlfiles import load  # noqa: E402

_Q = load(__file__, "flow.sql")
DAYS = 180
CHANGED = 1_000


def _statements(block: str) -> list[str]:
    return [part for part in (p.strip() for p in _Q[block].text.split(";")) if part]


def generate(engine: sa.Engine, n: int) -> int:
    """The synthetic log, set-based (generate_series), with the milestones' indexes built after."""
    with engine.begin() as conn:
        conn.execute(sa.text("SET LOCAL maintenance_work_mem = '1GB'"))
        conn.execute(sa.text("SET LOCAL synchronous_commit = off"))
        conn.execute(sa.text("ALTER TABLE orders DISABLE TRIGGER USER"))
        for statement in _statements("variants"):   # the steps table, its rows
            conn.execute(sa.text(statement))
        conn.execute(_Q["orders"], {"n": n, "days": DAYS})
        for statement in _statements("drop_milestone_indexes"):
            conn.execute(sa.text(statement))
        conn.execute(_Q["milestones"], {"n": n, "days": DAYS})
        for statement in _statements("recreate_milestone_indexes"):
            conn.execute(sa.text(statement))
        conn.execute(_Q["shipments"], {"n": n})
        conn.execute(sa.text("ALTER TABLE orders ENABLE TRIGGER USER"))
    with engine.begin() as conn:
        conn.execute(sa.text("ANALYZE"))
        return int(conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one())


def read_log(engine: sa.Engine) -> pd.DataFrame:
    """The event log as pm4py takes it, through COPY ... CSV (not counted in pm4py's time)."""
    buffer = io.BytesIO()
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(_Q["log"].text) as copy:   # type: ignore[attr-defined]
            for chunk in copy:
                buffer.write(chunk)
    finally:
        raw.close()
    buffer.seek(0)
    log = pd.read_csv(buffer, header=None, names=["case:concept:name", "concept:name", "time:timestamp"],
                      dtype={"case:concept:name": str, "concept:name": str})
    log["time:timestamp"] = pd.to_datetime(log["time:timestamp"], utc=True, format="ISO8601")
    return log


def tower_read(engine: sa.Engine, days: int = DAYS + 1, exact: bool = False) -> tuple[dict, dict]:
    """What /flow reads for the last `days` days (default: every order), and seconds per read:
    from the daily rollups, or from the facts themselves when `exact`."""
    today = clock.now().date()
    filters = flow.FlowFilters(start=today - timedelta(days=days), end=today + timedelta(days=1))
    scope = Scope.everything()
    reads: dict[str, Callable[..., Any]] = {"map": flow.process_map, "slow": flow.bottlenecks, "conformance": flow.conformance,
             "trend": flow.conformance_trend}
    out, seconds = {}, {}
    with engine.connect() as conn:
        for name, read in reads.items():
            t = time.perf_counter()
            out[name] = read(conn=conn, filters=filters, scope=scope, exact=exact)
            seconds[name] = time.perf_counter() - t
    return out, seconds


def minute_job(engine: sa.Engine, policy: Any) -> tuple[int, float, float, int]:
    """Orders and seconds for the refresh job to rebuild up to CHANGED orders placed in the last
    30 days (marked stale, as a new milestone would): their facts, with their contributions to
    the rollups' days and blocks taken away and added back. Then, as the baseline, seconds to
    recompute every day those orders sit on from all of its facts, and the blocks over them
    (what the job did before the rollups were kept by deltas), and the number of days."""
    with engine.begin() as conn:
        placed = conn.execute(_Q["mark_changed"], {"n": CHANGED}).scalars().all()
    marked, days = len(placed), set(placed)
    t = time.perf_counter()
    result = refresh.run(engine, policy=policy, budget_seconds=1e9)
    delta_s = time.perf_counter() - t
    assert result.orders == marked and result.caught_up
    with engine.begin() as conn:
        t = time.perf_counter()
        rollup.rebuild_days(conn=conn, days=days)
        rebuild_s = time.perf_counter() - t
    return marked, delta_s, rebuild_s, len(days)


def pm4py_run(log: pd.DataFrame) -> dict:
    import pm4py

    seconds = {}
    t = time.perf_counter()
    dfg, _, _ = pm4py.discover_dfg(log)
    perf, _, _ = pm4py.discover_performance_dfg(log)
    seconds["map"] = time.perf_counter() - t
    t = time.perf_counter()
    net, im, fm = skeleton_net()
    projected = log[log["concept:name"].isin(SKELETON)]
    replay = pm4py.conformance_diagnostics_token_based_replay(projected, net, im, fm)
    seconds["replay"] = time.perf_counter() - t
    return {"dfg": dfg, "perf": perf, "fit": sum(1 for r in replay if r["trace_is_fit"]), "cases": len(replay),
            "seconds": seconds}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=100_000)
    ap.add_argument("--pm4py-orders", type=int, default=None,
                    help="run pm4py on a random sample of this many orders and extrapolate (only where the "
                         "whole log is beyond pm4py's time or memory; the output says so)")
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
        print("load average (1, 5, 15 min) at the reads: " + ", ".join(f"{x:.2f}" for x in os.getloadavg()))
        print(f"tower read:  {read_s:8.2f} s  (rollups; {len(result['map'])} transitions, conformance "
              f"{c['conforming']:,} of {c['orders']:,}; " + ", ".join(f"{k} {v:.2f} s" for k, v in parts.items()) + ")")
        _, page = tower_read(engine, days=28)
        print(f"tower read, the page's default 28 days: {sum(page.values()):.2f} s")
        exact, exact_parts = tower_read(engine, exact=True)
        exact_s = sum(exact_parts.values())
        print(f"tower read from the facts (exact quantiles, no rollup): {exact_s:.2f} s  ("
              + ", ".join(f"{k} {v:.2f} s" for k, v in exact_parts.items()) + ")")
        marked, changed, rebuilt, days = minute_job(engine, policy)
        print(f"tower refresh of {marked:,} changed orders of the last 30 days (the minute job: their facts, "
              f"and their contributions to the days and blocks): {changed:.2f} s")
        print(f"  baseline: recomputing the {days} days they sit on and the blocks over them from every fact, "
              f"as the job did before: {rebuilt:.2f} s for the rollups alone; ratio {rebuilt / changed:.1f}x")
        log = read_log(engine)
        engine.dispose()
    cases = log["case:concept:name"].unique()
    sampled = args.pm4py_orders is not None and args.pm4py_orders < len(cases)
    if sampled:
        keep = pd.Series(cases).sample(n=args.pm4py_orders, random_state=1)
        sample = log[log["case:concept:name"].isin(set(keep))].reset_index(drop=True)
        scale = len(log) / len(sample)
    else:
        sample, scale = log, 1.0
    del log
    t = time.perf_counter()
    pm = pm4py_run(sample)
    measured = time.perf_counter() - t
    pm_s = measured * scale
    detail = ", ".join(f"{k} {v:.2f} s" for k, v in pm["seconds"].items())
    if sampled:
        print(f"pm4py ran on a SAMPLE of {args.pm4py_orders:,} orders ({len(sample):,} events): {measured:.2f} s ({detail}); "
              f"its time on all {len(cases):,} orders is EXTRAPOLATED linearly by events (x{scale:.2f}): {pm_s:.2f} s "
              f"-- not measured; linear is a lower bound for pm4py's sorts, so the ratio is if anything understated")
    else:
        print(f"pm4py:       {pm_s:8.2f} s  ({detail}; {len(pm['dfg'])} transitions, token replay: {pm['fit']:,} of "
              f"{pm['cases']:,} traces fit the skeleton)")
        ours = {(r.from_kind, r.to_kind): r.n for r in exact["map"].itertuples() if r.from_kind != "start"}
        print(f"same transitions and frequencies as pm4py: {ours == dict(pm['dfg'])}")
    print(f"ratio pm4py / tower read (rollups):  {pm_s / read_s:7.1f}x  (target >= 10x)")
    print(f"ratio pm4py / tower read (facts):    {pm_s / exact_s:7.1f}x")
    print(f"ratio pm4py / tower build:           {pm_s / build_s:7.1f}x  (the facts and rollups from scratch, once; "
          "then per changed order)")


if __name__ == "__main__":
    main()
