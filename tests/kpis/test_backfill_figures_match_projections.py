"""Right after a backfill is collected and the jobs ran once, the queue depths and KPI figures
the pages read equal a direct SQL computation over the projections (nothing left behind by the
derived-figures job, however many changes the backfill marked)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.collectors.conftest import collect_until_quiet, streams_for
from tower import clock
from tower.data import kpis as kpi_data
from tower.data.scope import Scope
from tower.evaluation.worker import drain
from tower.kpis import facts, job, sla
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml

DIRECT_DEPTHS = sa.text("""
SELECT coalesce(warehouse, '(none)') AS warehouse, stage, count(*) AS depth
FROM orders WHERE status = 'open' GROUP BY 1, 2""")

LATEST_SNAPSHOT = sa.text("""
SELECT warehouse, stage, depth FROM queue_snapshots
WHERE taken_at = (SELECT max(taken_at) FROM queue_snapshots)""")

# OTIF from the projections alone: an order (not cancelled) with a promise counts once it is
# delivered in full (on time if its last delivery came by the promise) or once the promise
# has passed without that (a miss).
DIRECT_OTIF = sa.text("""
SELECT count(*) AS decided, count(*) FILTER (WHERE delivered AND last <= promised_at) AS on_time
FROM (
    SELECT o.promised_at, d.last,
           o.stage IN ('delivered', 'invoiced', 'paid') AND d.last IS NOT NULL AS delivered
    FROM orders o
    LEFT JOIN LATERAL (SELECT max(delivered_at) AS last FROM shipments s WHERE s.order_id = o.order_id) d ON true
    WHERE o.status <> 'cancelled' AND o.promised_at IS NOT NULL
      AND o.promised_at >= :start AND o.promised_at < :end
) o
WHERE delivered OR promised_at <= :now""")

# Cycle time counts every order delivered in full, on the day of its last delivery.
DIRECT_DELIVERED = sa.text("""
SELECT count(*) FROM orders o
JOIN LATERAL (SELECT max(delivered_at) AS last FROM shipments s WHERE s.order_id = o.order_id) d ON true
WHERE o.status <> 'cancelled' AND o.stage IN ('delivered', 'invoiced', 'paid') AND o.placed_at IS NOT NULL
  AND d.last >= :start AND d.last < :end""")


@pytest.fixture
def backfilled(engine, tmp_path):
    """Ten days of the simulated distributor's history, collected into an empty store."""
    from tower.sandbox.server import start_sandbox

    sandbox = start_sandbox(tmp_path / "sandbox", seed=23, days=10, orders_per_day=60, base_port=0,
                            live=False, rate_limit=5000.0)
    try:
        collect_until_quiet(engine, streams_for(sandbox), clock.now)
    finally:
        sandbox.stop()
    return engine


def test_queue_depths_and_kpis_equal_sql_over_the_projections_after_a_backfill(backfilled):
    engine = backfilled
    now = clock.now()
    drain(engine, policy=BUILTIN_POLICY, now=now)
    with engine.connect() as conn:
        assert facts.pending(conn=conn).marks > 0, "the backfill and the rules marked changes to fold in"
    result = job.run(engine, policy=BUILTIN_POLICY, now=lambda: now)
    assert result.caught_up and result.subjects > 0

    with engine.connect() as conn:
        assert facts.pending(conn=conn).caught_up
        direct = {(r.warehouse, r.stage): r.depth for r in conn.execute(DIRECT_DEPTHS)}
        snapshot = {(r.warehouse, r.stage): r.depth for r in conn.execute(LATEST_SNAPSHOT)}
        assert direct and snapshot == direct

        start, end = (now - timedelta(days=40)).date(), (now + timedelta(days=40)).date()
        filters = kpi_data.KpiFilters(start=start, end=end)
        figures = kpi_data.kpi_values(conn=conn, filters=filters, kpi_ids=["otif", "cycle_time_p50"],
                                       scope=Scope.everything())
        by_id = {r["kpi_id"]: r for r in figures.to_dict("records")}
        otif = conn.execute(DIRECT_OTIF, {"start": start, "end": end, "now": now}).one()
        assert otif.decided > 0
        assert by_id["otif"]["n"] == otif.decided
        assert by_id["otif"]["value"] == pytest.approx(otif.on_time / otif.decided)
        assert by_id["cycle_time_p50"]["n"] == conn.execute(DIRECT_DELIVERED, {"start": start, "end": end}).scalar_one()
    assert sla.at_risk_share(BUILTIN_POLICY) > 0  # the queue buckets above were built with it
