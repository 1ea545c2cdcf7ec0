"""The /flow figures from small frames: every transition is drawn and clickable, the trend
carries the rate with its sample size and each deviation type's share."""

from __future__ import annotations

from datetime import date

import pandas as pd

from tower.data import flow
from tower.figures.flow import conformance_trend, process_map


def _map() -> pd.DataFrame:
    rows = [("start", "placed", 10, 0.0, 0.0), ("placed", "released", 10, 2.0, 5.0), ("released", "picked", 8, 6.0, 9.0),
            ("placed", "cancelled", 2, 1.0, 1.0)]
    df = pd.DataFrame(rows, columns=["from_kind", "to_kind", "n", "median_hours", "p90_hours"])
    df["total_hours"] = df["n"] * df["median_hours"]
    df["median_wall_hours"] = df["median_hours"]
    df["from_label"] = df["from_kind"].map(flow.label)
    df["to_label"] = df["to_kind"].map(flow.label)
    return df


def test_every_transition_is_an_arrow_with_a_clickable_middle():
    df = _map()
    fig = process_map(df, flow.activities(df))
    mids = fig["data"][0]
    assert mids["customdata"] == [[r.from_kind, r.to_kind] for r in df.itertuples()]
    assert len(fig["layout"]["annotations"]) == len(df)
    assert any("median 6.0 business h, p90 9.0 h" in t for t in mids["text"])
    nodes = fig["data"][1]
    assert "Order placed<br>10" in nodes["text"]


def test_an_empty_map_says_so():
    fig = process_map(_map().iloc[0:0], flow.activities(_map().iloc[0:0]))
    assert fig["layout"]["annotations"][0]["text"] == "No transitions for these filters"


def test_the_trend_shows_the_rate_and_each_deviation_types_share():
    rates = pd.DataFrame({"period": [date(2026, 11, 2), date(2026, 11, 9)], "orders": [10, 20],
                          "conforming": [9, 15], "rate": [0.9, 0.75]})
    types = pd.DataFrame({"period": [date(2026, 11, 9)], "deviation": ["missing_step"], "orders": [5],
                          "share": [0.25]})
    fig = conformance_trend(rates, types, {"missing_step": "Missing step"})
    assert fig["data"][0]["y"] == [90.0, 75.0]
    assert fig["data"][0]["customdata"] == [[9, 10], [15, 20]]
    assert fig["data"][1]["name"] == "Missing step" and fig["data"][1]["y"] == [0, 25.0]
