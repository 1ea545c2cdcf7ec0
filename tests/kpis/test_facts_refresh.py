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
