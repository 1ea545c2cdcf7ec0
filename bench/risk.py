"""Benchmark: scoring every open order with the SLA-miss risk model (target: 1M within a minute).

    python bench/risk.py [--orders 1000000]

One run, one database (a private embedded Postgres unless TOWER_BENCH_DATABASE_URL is set):
  1. store: `--orders` open orders written with set-based SQL, each with its lines and a real
     milestone history for its stage (placed; credit hold and release for some; stock short
     for some; released, picked, packed, shipped with a shipment row for the later stages),
     spread over warehouses, stages, tiers and channels; plus 30 days of delivered shipments
     for the carrier lanes' lateness.
  2. scoring: `tower.risk.scoring.score_open` with a model in service: the point-in-time
     features of every open order in SQL, the scores, the reasons in words, the risk_scores
     upsert and the flags the decision rights allow, all in one transaction. Timed per step.
  3. baseline: one sequential read of every open order's milestones (GROUP BY order), the least
     any per-order judgement over the store must read.
Prints the scoring rate, the time for 1M at that rate, and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.risk import features, registry, scoring  # noqa: E402
from tower.risk.model import LinearModel  # noqa: E402
from tower.rules.policy import load as load_policy  # noqa: E402

NOW = datetime(2026, 11, 4, 18, 0, tzinfo=timezone.utc)

ORDERS = """
INSERT INTO orders (order_id, customer_id, customer_name, customer_tier, channel, warehouse, region,
                    currency, value, placed_at, promised_at, stage, status, policy_version, evaluated_at)
SELECT 'R' || lpad(i::text, 8, '0'), 'C-' || (i % 5000), 'Customer ' || (i % 5000),
       (ARRAY['gold', 'silver', 'platinum', 'bronze'])[1 + i % 4], (ARRAY['web', 'edi', 'sales_rep'])[1 + i % 3],
       (ARRAY['DAL-1', 'ATL-1', 'RNO-1'])[1 + i % 3], (ARRAY['South', 'East', 'West'])[1 + i % 3],
       'USD', 50 + (i % 977), :now - (i % 7200) * interval '1 minute',
       :now - (i % 7200) * interval '1 minute' + (3 + i % 6) * interval '1 day',
       (ARRAY['entered', 'validated', 'released', 'picked', 'packed', 'shipped'])[1 + i % 6], 'open', 'bench', :now
FROM generate_series(1, :n) AS i
"""
LINES = """
INSERT INTO order_lines (order_id, line_no, sku, qty_ordered, qty_allocated, unit_price, list_price)
SELECT 'R' || lpad(i::text, 8, '0'), l, 'SKU-' || (i % 3000 + l), 1 + i % 9, 1 + i % 9, 12.5, 12.5
FROM generate_series(1, :n) AS i CROSS JOIN generate_series(1, 2) AS l
"""
# Each order's history up to its stage: step k happens k hours after placement.
MILESTONES = """
INSERT INTO milestones (order_id, source, source_event_id, kind, occurred_at, shipment_id, attrs)
SELECT o, CASE WHEN s.kind IN ('picked', 'packed', 'shipped') THEN 'wms' ELSE 'erp' END,
       o || ':' || s.kind, s.kind, placed + s.k * interval '1 hour',
       CASE WHEN s.kind = 'shipped' THEN 'SH' || o END,
       CASE WHEN s.kind = 'atp_short' THEN jsonb_build_object('lines', jsonb_build_array(jsonb_build_object('line_no', 1, 'qty', 0)),
                                                              'expected_at', placed + interval '3 days')
            WHEN s.kind = 'credit_hold' THEN '{"reason": "over_limit"}'::jsonb ELSE '{}'::jsonb END
FROM (SELECT i, 'R' || lpad(i::text, 8, '0') AS o, :now - (i % 7200) * interval '1 minute' AS placed,
             i % 6 AS stage FROM generate_series(1, :n) AS i) g
CROSS JOIN LATERAL (VALUES ('placed', 0, 0), ('credit_hold', 1, 0), ('credit_released', 2, 0),
                           ('atp_short', 1, 1), ('released', 3, 2), ('picked', 4, 3), ('packed', 5, 4),
                           ('shipped', 6, 5)) AS s(kind, k, from_stage)
WHERE g.stage >= s.from_stage
  AND (s.kind NOT IN ('credit_hold', 'credit_released') OR g.i % 10 = 0)
  AND (s.kind <> 'atp_short' OR g.i % 7 = 0)
"""
DELIVERED = """
INSERT INTO orders (order_id, customer_id, warehouse, value, placed_at, promised_at, stage, status)
SELECT 'D' || lpad(i::text, 8, '0'), 'C-' || (i % 5000), (ARRAY['DAL-1', 'ATL-1', 'RNO-1'])[1 + i % 3], 100,
       :now - (i % 40000) * interval '1 minute' - interval '6 days',
       :now - (i % 40000) * interval '1 minute' - interval '1 days', 'delivered', 'open'
FROM generate_series(1, 30000) AS i
"""
SHIPMENTS = """
INSERT INTO shipments (shipment_id, order_id, warehouse, carrier, shipped_at, promised_delivery_at,
                       delivered_at, status)
SELECT 'SH' || o, o, w, (ARRAY['UPSN', 'FDEG', 'ODFL'])[1 + i % 3], t, t + interval '3 days',
       CASE WHEN d THEN t + (2 + i % 3) * interval '1 day' END, CASE WHEN d THEN 'delivered' ELSE 'shipped' END
FROM (SELECT i, 'R' || lpad(i::text, 8, '0') AS o, (ARRAY['DAL-1', 'ATL-1', 'RNO-1'])[1 + i % 3] AS w,
             :now - (i % 7200) * interval '1 minute' + interval '6 hours' AS t, false AS d
      FROM generate_series(1, :n) AS i WHERE i % 6 = 5
      UNION ALL
      SELECT i, 'D' || lpad(i::text, 8, '0'), (ARRAY['DAL-1', 'ATL-1', 'RNO-1'])[1 + i % 3],
             :now - (i % 40000) * interval '1 minute' - interval '5 days', true
      FROM generate_series(1, 30000) AS i) s
"""
BASELINE = "SELECT count(*) FROM (SELECT order_id, count(*), max(occurred_at) FROM milestones GROUP BY order_id) g"


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - start


def _model() -> registry.ServiceModel:
    """A model in service with weights of the right signs and sizes (what it learns on the
    sandbox): scoring costs the same whatever the weights; about a tenth of orders flag."""
    n = len(features.FEATURES)
    rng = np.random.default_rng(7)
    coef = rng.normal(0, 0.05, n)
    coef[features.FEATURES.index("days_to_promise")] = -0.6
    return registry.ServiceModel("bench", NOW, LinearModel(features.FEATURES, np.zeros(n), np.ones(n), coef, 0.8), {})


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--orders", type=int, default=1_000_000)
    args = ap.parse_args()
    policy = load_policy()
    service = _model()
    with bench_database("tower_bench_risk") as url:
        engine = make_engine(url)
        params = {"n": args.orders, "now": NOW}
        with engine.begin() as conn:
            _, t_gen = timed(lambda: [conn.execute(sa.text(q), params) for q in (ORDERS, LINES, MILESTONES, DELIVERED, SHIPMENTS)])
            conn.execute(sa.text(
                "INSERT INTO risk_models (version, trained_at, window_from, window_to, split_at, features, params, "
                "backtest, status) VALUES ('bench', :now, :now, :now, :now, '[]', CAST(:p AS jsonb), '{}', 'in_service')"),
                {"now": NOW, "p": __import__("json").dumps(service.model.to_json())})
        with engine.begin() as conn:
            conn.execute(sa.text("ANALYZE"))
            milestones = conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar()
        print(f"store: {args.orders:,} open orders, {milestones:,} milestones (generated in {t_gen:.1f} s)")

        with engine.begin() as conn:
            frame, t_features = timed(lambda: features.open_frame(conn=conn, as_of=NOW))
            conn.rollback()
        with engine.begin() as conn:
            result, t_score = timed(lambda: scoring.score_open(conn=conn, now=NOW, policy=policy, service=service))
        with engine.connect() as conn:
            _, t_base = timed(lambda: conn.execute(sa.text(BASELINE)).scalar())
        rate = result.scored / t_score
        print(f"features alone (SQL, point in time): {len(frame):,} orders in {t_features:.1f} s")
        print(f"scoring (features, scores, reasons, upsert, flags): {result.scored:,} orders in {t_score:.1f} s "
              f"= {rate:,.0f} orders/s -> 1M in {1_000_000 / rate:.0f} s (target < 60 s); "
              f"flags raised {result.flags.raised:,} ({result.flags.acted:,} acted, {result.flags.escalated:,} escalated)")
        print(f"baseline (one read of every order's milestones): {t_base:.1f} s; "
              f"scoring / baseline = {t_score / t_base:.1f}x")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
