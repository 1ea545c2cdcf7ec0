"""The daily rollups of /flow give the figures of the facts themselves.

On the factory's orders plus hand-made deviating ones: every read that the rollups answer (the
whole period, the page's 28 days, one warehouse, one channel / tier / carrier, a scoped viewer)
equals the exact read on the facts — counts and sums exactly (sums to float rounding), medians
and p90s within the stated bound of tower.data.flow_daily (a factor sqrt(1.05), or 30 s). After
one order changes and only it is rebuilt, the rollups still agree.
"""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

from tests.data import factory
from tests.process.test_refresh_matches_reference import NOW, POLICY, deviating_orders
from tower.data import flow, flow_daily
from tower.data.scope import Scope
from tower.process import refresh
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

FACTOR = 1 + flow_daily.RELATIVE_ERROR
SLACK = flow_daily.ABSOLUTE_ERROR_HOURS + 1e-9


@pytest.fixture
def store(engine):
    _, milestones = factory.build(120, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones + deviating_orders(NOW)).rejected
        refresh.refresh(conn=conn, policy=POLICY, order_ids=list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars()))
    return engine


def _within_bound(estimate, exact) -> bool:
    if exact is None or pd.isna(exact):
        return estimate is None or pd.isna(estimate)
    return exact / FACTOR - SLACK <= estimate <= exact * FACTOR + SLACK


def _cases(conn):
    options = flow.filter_options(conn=conn, scope=Scope.everything())
    whole = flow.FlowFilters(start=(NOW - timedelta(days=90)).date(), end=(NOW + timedelta(days=1)).date())
    cases = [(whole, Scope.everything()), (flow.last_days(NOW.date(), 28), Scope.everything())]
    cases += [(flow.FlowFilters(whole.start, whole.end, warehouse=options["warehouse"][0]), Scope.everything())]
    for dim, key in (("channel", "channel"), ("tier", "tier"), ("carrier", "carrier")):
        cases += [(flow.FlowFilters(whole.start, whole.end, **{dim: options[key][0]}), Scope.everything())]
    cases += [(whole, Scope(role="warehouse_lead", warehouses=(options["warehouse"][0],)))]
    return cases


def _assert_reads_agree(conn):
    for filters, scope in _cases(conn):
        assert flow_daily.params(filters, scope) is not None
        for object_type in flow.OBJECT_TYPES:
            rolled = flow.process_map(conn=conn, filters=filters, scope=scope, object_type=object_type)
            exact = flow.process_map(conn=conn, filters=filters, scope=scope, object_type=object_type, exact=True)
            key = ["from_kind", "to_kind"]
            merged = rolled.merge(exact, on=key, suffixes=("", "_exact"), how="outer", validate="one_to_one")
            assert (merged["n"] == merged["n_exact"]).all(), (filters, object_type)
            assert merged["total_hours"].to_numpy() == pytest.approx(merged["total_hours_exact"].to_numpy(), rel=1e-9)
            for col in ("median_hours", "p90_hours", "median_wall_hours"):
                for est, true in zip(merged[col], merged[f"{col}_exact"]):
                    assert _within_bound(est, true), (filters, object_type, col, est, true)
            slow = flow.bottlenecks(conn=conn, filters=filters, scope=scope, object_type=object_type, limit=100)
            slow_exact = flow.bottlenecks(conn=conn, filters=filters, scope=scope, object_type=object_type, limit=100,
                                          exact=True)
            pd.testing.assert_frame_equal(slow, slow_exact, check_exact=False, rtol=1e-9)
        rolled_c = flow.conformance(conn=conn, filters=filters, scope=scope)
        exact_c = flow.conformance(conn=conn, filters=filters, scope=scope, exact=True)
        for key in ("orders", "conforming", "rate", "cycle_n", "deviating_cycle_n"):
            assert rolled_c[key] == exact_c[key], (filters, key)
        for key in ("cycle_median", "deviating_cycle_median"):
            assert _within_bound(rolled_c[key], exact_c[key]), (filters, key)
        dev, dev_exact = rolled_c["deviations"], exact_c["deviations"]
        assert list(dev["deviation"]) == list(dev_exact["deviation"])
        for col in ("orders", "accepted_orders", "cycle_n"):
            assert list(dev[col]) == list(dev_exact[col]), (filters, col)
        for est, true in zip(dev["cycle_median"], dev_exact["cycle_median"]):
            assert _within_bound(est, true), filters
        for grain in flow.GRAINS:
            rates, types = flow.conformance_trend(conn=conn, filters=filters, scope=scope, grain=grain)
            rates_exact, types_exact = flow.conformance_trend(conn=conn, filters=filters, scope=scope, grain=grain,
                                                              exact=True)
            pd.testing.assert_frame_equal(rates, rates_exact)
            pd.testing.assert_frame_equal(types, types_exact, check_dtype=False)


def test_every_read_the_rollups_answer_equals_the_facts_within_the_stated_bound(store):
    with store.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM flow_transition_days")).scalar_one() > 0
        assert conn.execute(sa.text("SELECT count(*) FROM flow_order_days")).scalar_one() > 0
        _assert_reads_agree(conn)


def test_the_rollups_follow_an_order_rebuilt_on_its_own(store):
    with store.begin() as conn:
        order_id, last = conn.execute(sa.text(
            "SELECT order_id, max(occurred_at) FROM milestones GROUP BY 1 ORDER BY 1 LIMIT 1")).one()
        extra = Milestone(source="erp", source_event_id=f"{order_id}-late-hold", kind="credit_hold",
                          occurred_at=last + timedelta(hours=5), order_id=order_id)
        assert not ingest(conn=conn, milestones=[extra]).rejected
        refresh.refresh(conn=conn, policy=POLICY, order_ids=refresh.stale(conn=conn, policy=POLICY, limit=10))
    with store.connect() as conn:
        assert refresh.stale(conn=conn, policy=POLICY, limit=10) == []
        _assert_reads_agree(conn)


def test_two_dimension_filters_read_the_facts():
    filters = flow.FlowFilters(start=NOW.date(), end=NOW.date(), channel="edi", tier="gold")
    assert flow_daily.params(filters, Scope.everything()) is None
    assert flow_daily.params(flow.FlowFilters(NOW.date(), NOW.date(), warehouse="DAL-1", carrier="UPS"),
                             Scope.everything()) is not None
