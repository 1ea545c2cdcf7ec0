"""Every KPI of the registry against numbers worked out by hand from tests/kpis/fixtures.py.

The fixture orders go through the real ingest, the real analytics job and the real data layer;
the expected numbers below come from the fixture table, not from the code.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.kpis import fixtures
from tower.data import kpis as data
from tower.data.scope import Scope
from tower.kpis import facts
from tower.kpis.registry import KPIS
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml

EVERYTHING = Scope.everything()

# November 2026, the whole month: every anchor of the fixture falls inside it.
NOVEMBER = data.KpiFilters(start=date(2026, 11, 1), end=date(2026, 12, 1))

# Hand-computed, all orders (E is cancelled and excluded everywhere):
EXPECTED_ALL = {
    # cycle time (delivered - placed): A 40, B 80, C 60, F 20 -> sorted 20 40 60 80;
    # p50 = 2nd of 4 (ceil(0.5*4)) = 40; p90 = 4th (ceil(3.6)) = 80
    "cycle_time_p50": 40.0,
    "cycle_time_p90": 80.0,
    # entry (validated - placed): A 1, B 20, C 2, D 1, F 1 -> 1 1 1 2 20; p50 = 3rd = 1
    "seg_entry_p50": 1.0,
    # release (released - validated): A 2, B 1, C 2, D 1, F 1 -> 1 1 1 2 2; p50 = 1
    "seg_release_p50": 1.0,
    # warehouse (last shipped - released): A 5, B 24, C 5, F 4 -> 4 5 5 24; p50 = 2nd = 5
    "seg_warehouse_p50": 5.0,
    # transit (delivered - last shipped): A 32, B 35, C 51, F 14 -> 14 32 35 51; p50 = 32
    "seg_transit_p50": 32.0,
    # OTIF: A 40<=48 yes, B 80>72 no, C 60<=72 yes, D not delivered and promise (24) passed: no,
    # F 30<=36 yes -> 3/5
    "otif": 3 / 5,
    # late deliveries (delivered orders only): A 40<=48 on time, B 80>72 late, C 60<=72 on time,
    # F 30<=36 on time; D is not delivered, so it is not counted -> 1/4
    "late_delivery": 1 / 4,
    # perfect (invoiced orders): A yes; B late; C failed delivery; F invoiced at the wrong
    # price -> 1/4
    "perfect_order": 1 / 4,
    # first shipment complete: A yes, B no (L2 4 of 10), C yes, F yes -> 3/4
    "fill_order": 3 / 4,
    # lines complete in first shipment: A 2/2, B 1/2, C 1/1, F 1/1 -> 5/6
    "fill_line": 5 / 6,
    # units in first shipment: A 14/14, B (10+4)/20, C 5/5, F 2/2 -> 35/41
    "fill_unit": 35 / 41,
    # shipped within 16 h (8 pick + 4 pack + 4 ship) of release: A 8<=19 yes, B 45>37 no,
    # C 9<=20 yes, F 16<=28 yes -> 3/4
    "on_time_ship": 3 / 4,
    # first invoice - first shipment: A 2, B 21, C 3, F 4 -> 30/4
    "invoice_latency": 7.5,
    # paid - invoiced, days: A (490-10)/24 = 20, C (252-12)/24 = 10 -> 15
    "days_to_pay": 15.0,
    # resolved exceptions (incidents excluded): 6 h and 18 h -> 12
    "exception_resolution": 12.0,
    # 2 incidents in 30 days -> 2 / (30/7)
    "incident_frequency": 2 / (30 / 7),
}


@pytest.fixture
def loaded(engine):
    with engine.begin() as conn:
        fixtures.load(conn)
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW)
    return engine


def _values(engine, filters) -> dict[str, float | None]:
    with engine.begin() as conn:
        df = data.kpi_values(conn=conn, filters=filters, scope=EVERYTHING)
    return dict(zip(df["kpi_id"], df["value"]))


def test_every_registry_kpi_has_a_hand_computed_expectation():
    assert set(EXPECTED_ALL) == {k.id for k in KPIS}


def test_each_kpi_over_all_orders_equals_the_hand_computed_value(loaded):
    got = _values(loaded, NOVEMBER)
    for kpi_id, expected in EXPECTED_ALL.items():
        assert got[kpi_id] == pytest.approx(expected), kpi_id


def test_a_warehouse_filter_keeps_only_that_warehouses_orders(loaded):
    got = _values(loaded, data.KpiFilters(start=NOVEMBER.start, end=NOVEMBER.end, warehouse="DAL-1"))
    # DAL-1: A, B, F (E cancelled). cycle 40 80 20 -> 20 40 80: p50 = 2nd = 40, p90 = 3rd = 80
    assert got["cycle_time_p50"] == 40.0
    assert got["cycle_time_p90"] == 80.0
    # OTIF A yes, B no, F yes -> 2/3; units (14 + 14 + 2) / (14 + 20 + 2)
    assert got["otif"] == pytest.approx(2 / 3)
    assert got["fill_unit"] == pytest.approx(30 / 36)
    # both resolved exceptions are on DAL-1 orders (A 6 h, B 18 h)
    assert got["exception_resolution"] == pytest.approx(12.0)
    # incidents are not filterable: still 2 in 30 days
    assert got["incident_frequency"] == pytest.approx(2 / (30 / 7))


def test_a_customer_filter_reads_that_customers_orders(loaded):
    got = _values(loaded, data.KpiFilters(start=NOVEMBER.start, end=NOVEMBER.end, customer="C-1"))
    # C-1: A, C, F. cycle 40 60 20 -> p50 = 40; all three delivered on time
    assert got["cycle_time_p50"] == 40.0
    assert got["otif"] == pytest.approx(1.0)
    assert got["fill_line"] == pytest.approx(1.0)
    # invoice latency A 2, C 3, F 4 -> 3
    assert got["invoice_latency"] == pytest.approx(3.0)


def test_a_channel_with_only_late_orders_scores_zero_otif(loaded):
    got = _values(loaded, data.KpiFilters(start=NOVEMBER.start, end=NOVEMBER.end, channel="web"))
    # web: B (late) and D (promise passed, undelivered)
    assert got["otif"] == 0.0
    assert got["days_to_pay"] is None


def test_the_weekly_trend_places_each_payment_in_its_week(loaded):
    with loaded.begin() as conn:
        df = data.kpi_trend(conn=conn, filters=NOVEMBER, kpi_id="days_to_pay", grain="week", scope=EVERYTHING)
    by_week = dict(zip(df["period"], df["value"]))
    # C paid at 252 h = Thu 12 Nov (week of 9 Nov): 10 days; A paid at 490 h = Sun 22 Nov
    # (week of 16 Nov): 20 days; no payments in the other weeks
    assert by_week[date(2026, 11, 9)] == pytest.approx(10.0)
    assert by_week[date(2026, 11, 16)] == pytest.approx(20.0)
    assert by_week[date(2026, 11, 2)] is None
    assert list(df["period"]) == [date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9),
                                  date(2026, 11, 16), date(2026, 11, 23), date(2026, 11, 30)]


def test_the_drill_down_lists_the_misses_first(loaded):
    with loaded.begin() as conn:
        df = data.kpi_orders(conn=conn, filters=NOVEMBER, kpi_id="otif", scope=EVERYTHING)
    assert set(df["order_id"]) == {"A", "B", "C", "D", "F"}
    assert set(df["order_id"].iloc[:2]) == {"B", "D"}
    assert list(df["result"].iloc[:2]) == ["missed", "missed"]


def test_a_late_event_moves_the_kpi_after_the_next_refresh(loaded):
    # D gets picked, shipped and delivered at 100 h: late against its promise (24 h), so OTIF
    # stays 3/5, but cycle time gains D (100 h): 20 40 60 80 100 -> p50 = 3rd = 60.
    d = fixtures._Order("D", wh="ATL-1", region="East", channel="web", cust="C-3",
                        lines=[(1, 8, 5.0)], promised=24)
    d.n = 100  # new event ids
    d.events.clear()
    d.lines("wms", "picked", 90, {1: 8}).ship("D-S1", 95, {1: 8}).delivered("D-S1", 100)
    from tower.store.ingest import ingest

    with loaded.begin() as conn:
        ingest(conn=conn, milestones=d.events)
    with loaded.begin() as conn:
        assert facts.refresh_all(conn=conn, policy=BUILTIN_POLICY, now=fixtures.NOW) >= 1
    got = _values(loaded, NOVEMBER)
    assert got["cycle_time_p50"] == 60.0
    assert got["otif"] == pytest.approx(3 / 5)
