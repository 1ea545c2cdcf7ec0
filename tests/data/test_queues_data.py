"""The queue read model against the hand-made fixture orders (tests/kpis/fixtures.py).

At NOW (500 h after T0) the open orders are: D (ATL-1) waiting for pick since its release at
2 h; B and F (DAL-1) invoiced at 46 h and 20 h, waiting for payment.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.kpis import fixtures
from tower.data import queues
from tower.data.scope import Scope
from tower.kpis import facts, sla
from tower.kpis.snapshots import take_snapshot
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
CRITICAL_HOURS = sla.critical_hours(BUILTIN_POLICY)

EVERYTHING = Scope.everything()


@pytest.fixture
def loaded(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        take_snapshot(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
    return engine


def test_the_matrix_counts_open_orders_per_warehouse_and_stage_with_their_age(loaded):
    with loaded.begin() as conn:
        df = queues.matrix(conn=conn, scope=EVERYTHING, critical_hours=CRITICAL_HOURS, now=fixtures.NOW, stages=queues.OPEN_STAGES)
    cells = {(r.warehouse, r.stage): r for r in df.itertuples()}
    assert set(cells) == {("ATL-1", "released"), ("DAL-1", "invoiced")}
    pick = cells[("ATL-1", "released")]
    assert pick.depth == 1
    assert pick.oldest_age_seconds == pytest.approx(498 * 3600)
    # no due time from the rules yet: 498 h against the 8 h pick critical time -> late
    assert (pick.b_fresh, pick.b_watch, pick.b_at_risk, pick.b_late) == (0, 0, 0, 1)
    assert pick.state == "late"
    paid = cells[("DAL-1", "invoiced")]
    assert paid.depth == 2
    assert paid.oldest_age_seconds == pytest.approx(480 * 3600)  # F, invoiced at 20 h
    # 480/720 and 454/720 of the 720 h payment time: both between 50% and 75%
    assert (paid.b_fresh, paid.b_watch, paid.b_at_risk, paid.b_late) == (0, 2, 0, 0)
    assert paid.state == "ok"


def test_the_matrix_is_the_latest_snapshot_with_ages_carried_to_now(loaded):
    with loaded.begin() as conn:
        df = queues.matrix(conn=conn, scope=EVERYTHING, critical_hours=CRITICAL_HOURS,
                           now=fixtures.NOW + timedelta(minutes=10), stages=queues.OPEN_STAGES)
        assert queues.as_of(conn=conn) == fixtures.NOW
    pick = df[df["stage"] == "released"].iloc[0]
    assert pick["oldest_age_seconds"] == pytest.approx(498 * 3600 + 600)
    assert pick["taken_at"] == fixtures.NOW


def test_before_the_first_snapshot_the_matrix_is_empty(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        assert queues.matrix(conn=conn, scope=EVERYTHING, critical_hours=CRITICAL_HOURS, now=fixtures.NOW).empty
        assert queues.as_of(conn=conn) is None


def test_the_default_view_shows_only_the_warehouse_stages(loaded):
    with loaded.begin() as conn:
        df = queues.matrix(conn=conn, scope=EVERYTHING, critical_hours=CRITICAL_HOURS, now=fixtures.NOW)
    assert list(zip(df["warehouse"], df["stage"])) == [("ATL-1", "released")]


def test_a_supervisor_scope_hides_other_warehouses(loaded):
    with loaded.begin() as conn:
        df = queues.matrix(conn=conn, scope=Scope.of("supervisor", ["DAL-1"]), critical_hours=CRITICAL_HOURS,
                           now=fixtures.NOW, stages=queues.OPEN_STAGES)
    assert set(df["warehouse"]) == {"DAL-1"}


def test_throughput_counts_orders_leaving_a_stage_in_the_last_hour(loaded):
    # B was invoiced at 46 h: at 46.5 h the DAL-1 "to invoice" (delivered) queue moved 1 order/h
    now = fixtures.at(46.5)
    with loaded.begin() as conn:
        assert queues.throughput(conn=conn, now=now, scope=EVERYTHING) == {("DAL-1", "invoiced"): 1}


def test_clicking_a_cell_lists_its_orders_oldest_first(loaded):
    with loaded.begin() as conn:
        df = queues.cell_orders(conn=conn, now=fixtures.NOW, warehouse="DAL-1", stage="invoiced", scope=EVERYTHING)
    assert list(df["order_id"]) == ["F", "B"]
    assert list(df["age_seconds"]) == pytest.approx([480 * 3600, 454 * 3600])


def test_the_snapshot_job_writes_one_row_per_queue_and_the_trend_reads_it(loaded):
    later = fixtures.NOW + timedelta(minutes=1)
    with loaded.begin() as conn:
        assert take_snapshot(conn=conn, policy=BUILTIN_POLICY, now=later) == 2
        assert take_snapshot(conn=conn, policy=BUILTIN_POLICY, now=later) == 0  # same instant: nothing twice
    with loaded.begin() as conn:
        df = queues.trend(conn=conn, now=later, stages=queues.OPEN_STAGES, scope=EVERYTHING)
    # summed over the warehouses in scope, per stage
    assert set(zip(df["stage"], df["depth"])) == {("invoiced", 2), ("released", 1)}
    with loaded.begin() as conn:
        dal = queues.trend(conn=conn, now=later, stages=queues.OPEN_STAGES, scope=Scope.of("supervisor", ["DAL-1"]))
    assert set(zip(dal["stage"], dal["depth"])) == {("invoiced", 2)}
    with loaded.begin() as conn:
        later = queues.trend(conn=conn, now=fixtures.NOW + timedelta(hours=25), stages=queues.OPEN_STAGES, scope=EVERYTHING)
    assert later.empty  # older than 24 h


def test_the_snapshot_job_refreshes_stage_times_for_new_orders(engine):
    # Orders ingested but never refreshed: the snapshot job brings the facts up to date first.
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        assert queues.throughput(conn=conn, scope=EVERYTHING, now=fixtures.at(46.5)) == {}
        take_snapshot(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
        assert queues.throughput(conn=conn, scope=EVERYTHING, now=fixtures.at(46.5)) == {("DAL-1", "invoiced"): 1}
