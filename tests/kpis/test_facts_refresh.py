"""The analytics job keeps the KPI read models current: triggers mark changes, the promise
sweep turns a missed promise into an OTIF miss without any event, re-running changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from tests.kpis import fixtures
from tower.data import kpis as data
from tower.data.scope import Scope
from tower.kpis import facts
from tower.kpis.registry import BUCKETED
from tower.rules.policy import cached
from tower.store.ingest import ingest

EVERYTHING = Scope.everything()

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml

NOVEMBER = data.KpiFilters(start=date(2026, 11, 1), end=date(2026, 12, 1))


def _otif(engine) -> float | None:
    with engine.begin() as conn:
        df = data.kpi_values(conn=conn, filters=NOVEMBER, kpi_ids=["otif"], scope=EVERYTHING)
    return df.loc[0, "value"]


def _waiting_order() -> list[dict]:
    o = fixtures._Order("W", wh="DAL-1", region="South", channel="edi", cust="C-9",
                        lines=[(1, 1, 10.0)], promised=24)
    o.lines("erp", "atp_confirmed", 1, {1: 1}).add("erp", "released", 2)
    return o.events


def test_ingest_marks_the_touched_orders_for_the_analytics_job(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=_waiting_order())
        marked = conn.execute(sa.text("SELECT subject_id FROM kpi_dirty WHERE subject_type = 'order'")).scalars().all()
    assert set(marked) == {"W"}


def test_a_passed_promise_becomes_an_otif_miss_without_any_new_event(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=_waiting_order())
    with engine.begin() as conn:
        facts.refresh(conn=conn, policy=BUILTIN_POLICY, now=fixtures.at(10))
    assert _otif(engine) is None  # not due yet: not counted
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM kpi_dirty")).scalar_one() == 0
        facts.refresh(conn=conn, policy=BUILTIN_POLICY, now=fixtures.at(30))  # the promise (24 h) passed in between
    assert _otif(engine) == 0.0


def test_running_the_job_again_changes_nothing(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
    query = sa.text("SELECT region, warehouse, channel, measure, day, bucket, n, num, den FROM kpi_daily ORDER BY 1, 2, 3, 4, 5, 6")
    with engine.begin() as conn:
        before = conn.execute(query).all()
        conn.execute(sa.text("INSERT INTO kpi_dirty (subject_type, subject_id) SELECT 'order', order_id FROM orders"))
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        after = conn.execute(query).all()
    assert before and before == after


def test_resolving_an_exception_adds_its_resolution_time(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        open_id = conn.execute(sa.text("SELECT exception_id FROM exceptions WHERE order_id = 'D'")).scalar_one()
        # opened at 20 h; resolved at 44 h -> 24 h joins 6 h and 18 h: mean 16 h
        conn.execute(sa.text("UPDATE exceptions SET status = 'resolved', resolved_at = :at WHERE exception_id = :id"),
                     {"at": fixtures.at(44), "id": open_id})
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        df = data.kpi_values(conn=conn, scope=EVERYTHING, filters=NOVEMBER, kpi_ids=["exception_resolution"])
    assert df.loc[0, "value"] == pytest.approx(16.0)


# The cells as the sum of the facts, computed here from kpi_facts alone (the job keeps them by
# deltas): every combination of the filter dimensions, '*' for all.
_CELLS_FROM_FACTS = sa.text("""
    SELECT CASE WHEN grouping(region) = 1 THEN '*' ELSE region END,
           CASE WHEN grouping(warehouse) = 1 THEN '*' ELSE warehouse END,
           CASE WHEN grouping(channel) = 1 THEN '*' ELSE channel END,
           measure, (anchor_at AT TIME ZONE 'UTC')::date AS day,
           CASE WHEN measure = ANY(:bucketed) THEN least(greatest(floor(num * 60), 0), 60000000)::int ELSE 0 END AS bucket,
           count(*), sum(num), sum(den)
    FROM kpi_facts
    GROUP BY measure, day, bucket, CUBE (region, warehouse, channel)
    ORDER BY 1, 2, 3, 4, 5, 6""")


def test_the_cells_kept_by_deltas_are_the_sums_of_the_facts_after_orders_change_and_leave(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        ingest(conn=conn, milestones=_waiting_order())          # a new order, new cells
        # an order moved to another warehouse and region: its facts leave their cells
        moved = conn.execute(sa.text("SELECT order_id FROM orders ORDER BY order_id LIMIT 1")).scalar_one()
        conn.execute(sa.text("UPDATE orders SET warehouse = 'ATL-1', region = 'East' WHERE order_id = :o"), {"o": moved})
        # an order cancelled: every fact of it goes, and the cells only it was in are removed
        gone = conn.execute(sa.text("SELECT order_id FROM orders WHERE order_id <> :o ORDER BY order_id DESC LIMIT 1"),
                            {"o": moved}).scalar_one()
        conn.execute(sa.text("UPDATE orders SET status = 'cancelled' WHERE order_id = :o"), {"o": gone})
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.at(30))
        kept = conn.execute(sa.text(
            "SELECT region, warehouse, channel, measure, day, bucket, n, num, den FROM kpi_daily ORDER BY 1, 2, 3, 4, 5, 6")).all()
        summed = conn.execute(_CELLS_FROM_FACTS, {"bucketed": list(BUCKETED)}).all()
        assert conn.execute(sa.text("SELECT count(*) FROM kpi_facts WHERE order_id = :o"), {"o": gone}).scalar_one() == 0
    assert kept and kept == summed
    assert all(row.n > 0 for row in kept)
