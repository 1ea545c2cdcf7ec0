"""The /flow read functions against figures computed here, independently, from the milestones.

The store holds the test factory's orders (every stage, credit holds, partial shipments,
cancellations) and a handful that deviate from the flow; the expected process map, waiting
totals, conformance shares and cycle times are recomputed in Python from the raw milestones
and the orders table, never from the flow facts.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import date, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from tests.data import factory
from tests.process.test_refresh_matches_reference import NOW, POLICY, deviating_orders
from tower.data import flow
from tower.data.scope import Scope
from tower.milestones import KINDS
from tower.process import refresh
from tower.rules.flow_model import Event, check
from tower.store.ingest import ingest

EVERYTHING = Scope.everything()
RECENT = flow.FlowFilters(start=NOW.date() - timedelta(days=3), end=NOW.date() + timedelta(days=1))


@pytest.fixture
def store(engine):
    _, milestones = factory.build(60, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones + deviating_orders(NOW)).rejected
        ids = list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars())
        refresh.refresh(conn=conn, policy=POLICY, order_ids=ids)
    return engine


def _orders(conn, f: flow.FlowFilters, warehouses=None):
    rows = conn.execute(sa.text("SELECT order_id, placed_at, warehouse, status, channel, customer_tier FROM orders")).mappings().all()
    return {r["order_id"]: dict(r) for r in rows
            if f.start <= r["placed_at"].date() < f.end and (warehouses is None or r["warehouse"] in warehouses)}


def _events(conn):
    out = defaultdict(list)
    for r in conn.execute(sa.text("SELECT order_id, kind, occurred_at FROM milestones")):
        out[r.order_id].append((r.occurred_at, KINDS[r.kind].rank, r.kind))
    return {k: sorted(v) for k, v in out.items()}


def _expected_pairs(conn, orders):
    events = _events(conn)
    pairs = defaultdict(list)
    for order_id, o in orders.items():
        cal = POLICY.calendars[POLICY.warehouses.get(o["warehouse"], {}).get("calendar", POLICY.default_calendar)]
        evs = events[order_id]
        for (a_at, _, a), (b_at, _, b) in zip(evs, evs[1:]):
            pairs[(a, b)].append(cal.hours_between(a_at, b_at))
        pairs[("start", evs[0][2])].append(0.0)
    return pairs


def test_the_process_map_equals_the_pairs_counted_from_the_milestones(store):
    with store.connect() as conn:
        expected = _expected_pairs(conn, _orders(conn, RECENT))
        # Exact figures from the facts; the page's default read from the daily rollups is held
        # to these within its stated bound by tests/process/test_rollups.py.
        got = flow.process_map(conn=conn, filters=RECENT, scope=EVERYTHING, exact=True)
    assert list(got.columns) == flow.MAP_COLUMNS
    assert {(r.from_kind, r.to_kind): r.n for r in got.itertuples()} == {k: len(v) for k, v in expected.items()}
    for r in got.itertuples():
        hours = expected[(r.from_kind, r.to_kind)]
        assert r.median_hours == pytest.approx(statistics.median(hours))
        assert r.p90_hours == pytest.approx(float(np.percentile(hours, 90)))
        assert r.total_hours == pytest.approx(sum(hours))


def test_bottlenecks_rank_total_waiting_and_compare_with_the_previous_period(store):
    with store.connect() as conn:
        now_pairs = _expected_pairs(conn, _orders(conn, RECENT))
        before_pairs = _expected_pairs(conn, _orders(conn, RECENT.previous()))
        got = flow.bottlenecks(conn=conn, filters=RECENT, scope=EVERYTHING, limit=100)
    assert list(got.columns) == flow.BOTTLENECK_COLUMNS
    totals = {k: sum(v) for k, v in now_pairs.items() if k[0] != "start"}
    assert list(got["total_hours"]) == sorted(got["total_hours"], reverse=True)
    assert got.iloc[0]["total_hours"] == pytest.approx(max(totals.values()))
    assert before_pairs, "the previous period holds the deviating orders"
    for r in got.itertuples():
        assert r.total_hours == pytest.approx(totals[(r.from_kind, r.to_kind)])
        before = before_pairs.get((r.from_kind, r.to_kind), [])
        assert r.previous_n == len(before)
        assert r.change_hours == pytest.approx(r.total_hours - sum(before))


def test_the_orders_behind_a_transition_are_the_ones_that_made_it(store):
    with store.connect() as conn:
        got = flow.transition_orders(conn=conn, filters=RECENT, scope=EVERYTHING, from_kind="packed", to_kind="shipped")
        events = _events(conn)
        orders = _orders(conn, RECENT)
    expected = {o for o in orders if any(a[2] == "packed" and b[2] == "shipped"
                                         for a, b in zip(events[o], events[o][1:]))}
    assert set(got["order_id"]) == expected and expected
    assert list(got["business_hours"]) == sorted(got["business_hours"], reverse=True)


def test_conformance_shares_and_cycle_times_equal_the_reference_check(store):
    wide = flow.FlowFilters(start=date(2026, 1, 1), end=NOW.date() + timedelta(days=1))
    with store.connect() as conn:
        orders = _orders(conn, wide)
        events = _events(conn)
        got = flow.conformance(conn=conn, filters=wide, scope=EVERYTHING, exact=True)
    verdicts = {o: check([Event(k, at) for at, _, k in events[o]], POLICY.flow_model) for o in orders}
    dims = {o: {k: orders[o][k] for k in ("warehouse", "channel", "customer_tier")} for o in orders}
    open_devs = {o: [d for d in v if not POLICY.flow_model.is_accepted(d, dims[o])]
                 for o, v in verdicts.items()}
    conforming = [o for o, v in open_devs.items() if not v]
    assert got["orders"] == len(orders)
    assert got["conforming"] == len(conforming)
    assert got["rate"] == pytest.approx(len(conforming) / len(orders))
    by_type = defaultdict(set)
    for o, v in open_devs.items():
        for d in v:
            by_type[d.partition(":")[0]].add(o)
    table = got["deviations"].set_index("deviation")
    assert set(table.index) == set(by_type) | {"repeated_step"}   # the accepted EDI amendment stays listed
    for kind, ids in by_type.items():
        assert table.loc[kind, "orders"] == len(ids)
        assert table.loc[kind, "share"] == pytest.approx(len(ids) / len(orders))
    assert table.loc["repeated_step", "accepted_orders"] == 1

    def cycle(o):
        cal = POLICY.calendars[POLICY.warehouses[orders[o]["warehouse"]]["calendar"]]
        return cal.hours_between(events[o][0][0], events[o][-1][0])
    closed = [o for o in conforming if orders[o]["status"] == "closed"]
    assert got["cycle_n"] == len(closed) and closed
    assert got["cycle_median"] == pytest.approx(statistics.median(cycle(o) for o in closed))


def test_a_viewer_scoped_to_one_warehouse_sees_only_its_orders(store):
    scope = Scope.of("supervisor", ["ATL-1"])
    with store.connect() as conn:
        expected = _expected_pairs(conn, _orders(conn, RECENT, warehouses={"ATL-1"}))
        got = flow.process_map(conn=conn, filters=RECENT, scope=scope)
        summary = flow.conformance(conn=conn, filters=RECENT, scope=scope)
        n_atl = len(_orders(conn, RECENT, warehouses={"ATL-1"}))
        assert flow.order_deviations(conn=conn, order_id="SO-DEV-TWICE", scope=scope) is None  # a DAL-1 order
        assert flow.filter_options(conn=conn, scope=scope)["warehouse"] == ["ATL-1"]
    assert {(r.from_kind, r.to_kind): r.n for r in got.itertuples()} == {k: len(v) for k, v in expected.items()}
    assert summary["orders"] == n_atl


def test_an_orders_deviations_are_read_in_words(store):
    with store.connect() as conn:
        devs = flow.order_deviations(conn=conn, order_id="SO-DEV-AFTER-CXL", scope=EVERYTHING)
    assert devs == [{"deviation": "step_after_cancellation:picked", "label": "Step after cancellation: Picked",
                     "accepted": False}]
