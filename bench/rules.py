"""Benchmark: the rules worker on a 5k-event batch, and the SLA sweep over 1M open orders.

    python bench/rules.py [--orders 1000000] [--batch 5000] [--due-pct 2]

One run, one database (a private embedded Postgres unless TOWER_BENCH_DATABASE_URL is set):
  1. store: `--orders` open orders written directly with set-based SQL (orders + 2 lines each,
     10% with an open exception), spread over stages and warehouses, with `--due-pct` percent
     whose SLA clock crossed a threshold since the last sweep; plus `--batch` orders with a
     real milestone history (placed, confirmed, released) through `tower.store.ingest`.
  2. incremental: a batch of `--batch` new WMS events (one pick per order) is ingested, then
     `worker.run_once` evaluates the touched orders (target < 1 s). Baseline: a trivial UPDATE
     of the same order rows.
  3. sweep: `sweep.run_sweep` over the whole store (target < 30 s). Baseline: one sequential
     read of every open order. The worker's drain of what the sweep queued is shown too, and
     the next minute's sweep (steady state: the first one also re-rates every generated
     exception's priority).
Prints figures, the store size, and ratios against the baselines measured in this run.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.evaluation import sweep, worker  # noqa: E402
from tower.evaluation.sweep import run_sweep  # noqa: E402
from tower.evaluation.worker import drain, run_once  # noqa: E402
from tower.rules.policy import load as load_policy  # noqa: E402
from tower.store.ingest import ingest  # noqa: E402

NOW = datetime(2026, 11, 4, 18, 0, tzinfo=timezone.utc)   # a Wednesday noon in Chicago
WAREHOUSES = [("DAL-1", "South"), ("ATL-1", "East"), ("RNO-1", "West"), ("CHI-1", "Central")]

BULK_ORDERS = """
INSERT INTO orders (order_id, customer_id, customer_name, customer_tier, warehouse, region,
                    currency, value, placed_at, promised_at, stage, status, waiting_on,
                    owner_team, due_at, at_risk_at, escalate_at, sla_state, step_system,
                    next_check_at, policy_version, evaluated_at)
SELECT 'B' || lpad(i::text, 8, '0'), 'C-' || (i % 5000), 'Customer ' || (i % 5000),
       (ARRAY['gold', 'silver', 'platinum'])[1 + i % 3],
       (ARRAY['DAL-1', 'ATL-1', 'RNO-1', 'CHI-1'])[1 + i % 4],
       (ARRAY['South', 'East', 'West', 'Central'])[1 + i % 4],
       'USD', 50 + (i % 977), p.placed, p.placed + interval '4 days',
       s.stage, 'open', 'waiting on ' || s.stage, 'order-desk',
       p.due, p.due - interval '2 hours', p.due + interval '4 hours',
       CASE WHEN p.due < :now THEN 'breached' ELSE 'on_track' END, s.system,
       -- due_pct percent of the orders crossed a threshold within the last minute
       CASE WHEN (i % 10000) < :due_bp THEN :now - interval '30 seconds'
            ELSE :now + (i % 5000) * interval '1 minute' END,
       'bench', :now - interval '1 minute'
FROM generate_series(1, :n) AS i
CROSS JOIN LATERAL (SELECT :now - (i % 7200) * interval '1 minute' AS placed,
                           :now + ((i % 4000) - 1000) * interval '1 minute' AS due) p
CROSS JOIN LATERAL (SELECT (ARRAY['entered', 'validated', 'released', 'picked', 'packed', 'shipped'])[1 + i % 6] AS stage,
                           (ARRAY['erp', 'erp', 'wms', 'wms', 'wms', 'carrier'])[1 + i % 6] AS system) s
"""
BULK_LINES = """
INSERT INTO order_lines (order_id, line_no, sku, qty_ordered, qty_allocated, unit_price, list_price)
SELECT 'B' || lpad(i::text, 8, '0'), l, 'SKU-' || (i % 3000 + l), 1 + i % 9, 1 + i % 9, 12.5, 12.5
FROM generate_series(1, :n) AS i CROSS JOIN generate_series(1, 2) AS l
"""
BULK_EXCEPTIONS = """
INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, title, value_at_risk,
                        priority, opened_at, due_at, escalate_at, escalation_tier, rule, policy_version)
SELECT 'B' || lpad(i::text, 8, '0'), 'stage_overdue', 'entered', 'high', 'open', 'order-desk',
       'bench', 100, 1, :now - interval '1 day',
       :now + ((i % 2000) - 30) * interval '1 minute', :now + ((i % 2000) + 600) * interval '1 minute',
       0, 'exceptions.stage_overdue', 'bench'
FROM generate_series(1, :n, 10) AS i
"""


def history(n: int) -> list[dict]:
    """`n` orders with a real milestone history: placed, confirmed, released (3 events each)."""
    events = []
    for k in range(n):
        oid = f"H{k:07d}"
        wh, region = WAREHOUSES[k % 4]
        t = NOW - timedelta(hours=3 + k % 20)
        lines = [dict(line_no=1, sku="SKU-1", qty=4, unit_price=10, list_price=10),
                 dict(line_no=2, sku="SKU-2", qty=2, unit_price=30, list_price=30 if k % 7 else 33)]
        events += [
            dict(source="erp", source_event_id=f"{oid}:p", kind="placed", order_id=oid, occurred_at=t.isoformat(),
                 attrs=dict(customer_id=f"C-{k % 900}", customer_tier=("gold", "platinum")[k % 2],
                            warehouse=wh, region=region, currency="USD",
                            promised_at=(t + timedelta(days=3)).isoformat(), lines=lines)),
            dict(source="erp", source_event_id=f"{oid}:a", kind="atp_confirmed", order_id=oid,
                 occurred_at=(t + timedelta(minutes=10)).isoformat(),
                 attrs=dict(lines=[dict(line_no=1, qty=4), dict(line_no=2, qty=2)])),
            dict(source="erp", source_event_id=f"{oid}:r", kind="released", order_id=oid,
                 occurred_at=(t + timedelta(minutes=30)).isoformat()),
        ]
    return events


def batch(n: int) -> list[dict]:
    return [dict(source="wms", source_event_id=f"H{k:07d}:pick", kind="picked", order_id=f"H{k:07d}",
                 occurred_at=(NOW - timedelta(minutes=5)).isoformat(),
                 attrs=dict(lines=[dict(line_no=1, qty=4)]))
            for k in range(n)]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=5000)
    ap.add_argument("--due-pct", type=float, default=2.0)
    args = ap.parse_args()
    policy = load_policy()
    with bench_database("tower_bench_rules") as url:
        engine = make_engine(url)
        params = {"n": args.orders, "now": NOW, "due_bp": int(args.due_pct * 100)}
        with engine.begin() as conn:
            _, t_gen = timed(lambda: [conn.execute(sa.text(q), params) for q in (BULK_ORDERS, BULK_LINES, BULK_EXCEPTIONS)])
        with engine.begin() as conn:
            result, t_hist = timed(lambda: ingest(conn=conn, milestones=history(args.batch)))
        drain(engine, now=NOW, policy=policy)                       # settle the history
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
            size = conn.execute(sa.text(
                "SELECT (SELECT count(*) FROM orders), (SELECT count(*) FROM orders WHERE status = 'open'), "
                "(SELECT count(*) FROM order_lines), (SELECT count(*) FROM milestones), "
                "(SELECT count(*) FROM exceptions WHERE status <> 'resolved'), "
                "pg_size_pretty(pg_database_size(current_database()))")).one()
        print(f"store: {size[0]:,} orders ({size[1]:,} open), {size[2]:,} lines, {size[3]:,} milestones, "
              f"{size[4]:,} open exceptions, {size[5]} on disk (generated in {t_gen:.1f} s; "
              f"history of {args.batch:,} orders ingested in {t_hist:.1f} s)")

        # 2. incremental evaluation of one collector batch
        with engine.begin() as conn:
            ing, t_ingest = timed(lambda: ingest(conn=conn, milestones=batch(args.batch)))
        touched = sorted(ing.touched_orders)
        evaluated, t_eval = timed(lambda: run_once(engine, now=NOW, limit=args.batch, policy=policy))
        with engine.begin() as conn:
            _, t_base = timed(lambda: conn.execute(sa.text(
                "UPDATE orders SET updated_at = updated_at WHERE order_id = ANY(:ids)"), {"ids": touched}))
        print(f"incremental: {args.batch:,}-event batch ingested in {t_ingest:.2f} s; rules evaluated "
              f"{evaluated:,} orders in {t_eval:.3f} s (target < 1 s: {'OK' if t_eval < 1 else 'MISSED'}); "
              f"baseline trivial UPDATE of the same {len(touched):,} rows {t_base:.3f} s; "
              f"ratio {t_eval / t_base:.1f}x")
        print(f"  phases (s): {worker.LAST_TIMINGS}")

        # 3. the SLA sweep over the whole store
        later = NOW + timedelta(seconds=30)
        queued, t_sweep = timed(lambda: run_sweep(engine, now=later, policy=policy))
        with engine.begin() as conn:
            _, t_scan = timed(lambda: conn.execute(sa.text(
                "SELECT count(*), max(due_at), max(next_check_at) FROM orders WHERE status = 'open'")).one())
        print(f"  steps (s): {sweep.LAST_TIMINGS}")
        drained, t_drain = timed(lambda: drain(engine, now=later, policy=policy))
        print(f"sweep: over {size[1]:,} open orders in {t_sweep:.2f} s (target < 30 s: "
              f"{'OK' if t_sweep < 30 else 'MISSED'}), queued {queued:,} orders whose clock crossed a threshold; "
              f"baseline one read of every open order {t_scan:.2f} s; ratio {t_sweep / t_scan:.2f}x")
        print(f"worker drain of the sweep's queue: {drained:,} orders in {t_drain:.2f} s "
              f"({drained / t_drain if t_drain else 0:,.0f} orders/s)")
        # The next minute's sweep: the steady state (only clocks that crossed since the last one).
        queued2, t_sweep2 = timed(lambda: run_sweep(engine, now=later + timedelta(minutes=1), policy=policy))
        print(f"next sweep one minute later: {t_sweep2:.2f} s, queued {queued2:,}; ratio to the read "
              f"{t_sweep2 / t_scan:.2f}x; steps (s): {sweep.LAST_TIMINGS}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
