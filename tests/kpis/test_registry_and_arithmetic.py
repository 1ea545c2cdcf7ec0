"""The registry's contract and the KPI arithmetic on hand-made cells."""

from __future__ import annotations

import pandas as pd
import pytest

from tower.kpis import compute
from tower.kpis.registry import BUCKETED, KPIS, MEASURES, format_value, get, status


def cells(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=compute.CELL_COLUMNS)


def test_every_kpi_documents_what_it_counts():
    for k in KPIS:
        for text in (k.name, k.definition, k.formula, k.denominator, k.exclusions, k.anchor):
            assert text.strip(), k.id
        assert k.direction in ("higher", "lower")
        assert k.stat in ("ratio", "mean", "p50", "p90", "per_week")
    assert len({k.id for k in KPIS}) == len(KPIS)


def test_percentile_measures_keep_minute_buckets_and_no_others_do():
    assert set(BUCKETED) == {k.measure for k in KPIS if k.stat in ("p50", "p90")}
    assert set(BUCKETED) <= set(MEASURES)


def test_the_nearest_rank_percentile_counts_up_to_the_rank():
    # values 1, 2, 2, 3, 10 hours (buckets in minutes): p50 rank ceil(2.5) = 3 -> 2; p90 rank 5 -> 10
    c = cells([("cycle_time", 60, 1, 1, 1), ("cycle_time", 120, 2, 4, 2), ("cycle_time", 180, 1, 3, 1),
               ("cycle_time", 600, 1, 10, 1)])
    assert compute.value(get("cycle_time_p50"), c, days=7) == 2
    assert compute.value(get("cycle_time_p90"), c, days=7) == 10


def test_raw_durations_are_rounded_down_to_whole_minutes_before_ranking():
    # 0.34 h is 20.4 minutes: it stays 20 minutes, not 0 hours.
    facts = pd.DataFrame({"measure": ["cycle_time"] * 3, "num": [0.34, 2.2, 30.99], "den": [1, 1, 1]})
    c = compute.to_cells(facts)
    assert sorted(c["bucket"]) == [20, 132, 1859]
    assert compute.value(get("cycle_time_p50"), c, days=1) == pytest.approx(2.2)
    assert compute.value(get("cycle_time_p50"), compute.to_cells(facts.iloc[:1]), days=1) == pytest.approx(20 / 60)


def test_a_ratio_divides_summed_numerators_by_summed_denominators():
    c = cells([("fill_line", 0, 3, 7, 9)])  # 3 orders, 7 of 9 lines complete
    assert compute.value(get("fill_line"), c, days=28) == pytest.approx(7 / 9)
    assert compute.sample_size(get("fill_line"), c) == 9


def test_a_mean_divides_by_the_number_of_rows():
    c = cells([("invoice_latency", 0, 4, 30, 4)])
    assert compute.value(get("invoice_latency"), c, days=28) == pytest.approx(7.5)


def test_a_weekly_rate_scales_by_the_period_length():
    c = cells([("incidents", 0, 3, 3, 3)])
    assert compute.value(get("incident_frequency"), c, days=14) == pytest.approx(1.5)
    # no incidents is a rate of zero, not "no data"
    assert compute.value(get("incident_frequency"), cells([]), days=14) == 0


def test_nothing_measured_is_no_data_not_zero():
    assert compute.value(get("otif"), cells([]), days=28) is None
    assert status(get("otif"), None) == "no_data"


@pytest.mark.parametrize("kpi_id,value,expected", [
    ("otif", 0.96, "on_target"), ("otif", 0.95, "on_target"), ("otif", 0.93, "near_target"),
    ("otif", 0.80, "off_target"), ("cycle_time_p50", 70, "on_target"), ("cycle_time_p50", 74, "near_target"),
    ("cycle_time_p50", 90, "off_target"),
])
def test_status_compares_with_the_target_in_the_kpis_direction(kpi_id, value, expected):
    assert status(get(kpi_id), value) == expected


def test_values_are_formatted_with_their_unit():
    assert format_value(get("otif"), 0.9567) == "95.7%"
    assert format_value(get("cycle_time_p50"), 52.0) == "52.0 h"
    assert format_value(get("seg_entry_p50"), 20 / 60) == "20 min"
    assert format_value(get("invoice_latency"), 4.25) == "4.2 h"
    assert format_value(get("days_to_pay"), 15.04) == "15.0 d"
    assert format_value(get("otif"), None) == "—"


def test_an_unknown_kpi_names_the_known_ones():
    with pytest.raises(KeyError, match="otif"):
        get("nope")
