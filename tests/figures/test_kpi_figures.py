"""The page figures say what they show in words (legend, labels, hover), with or without data."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pandas as pd

from tower.figures.kpis import trend
from tower.figures.queues import depth_trend
from tower.figures.teams import workload
from tower.kpis.registry import get


def test_the_queue_trend_draws_one_named_line_per_stage_in_the_viewers_zone():
    frame = pd.DataFrame({"taken_at": [datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)] * 2,
                          "stage": ["released", "picked"], "depth": [5, 3], "oldest_age_seconds": [60.0, 30.0]})
    fig = depth_trend(frame, {"released": "Pick", "picked": "Pack", "packed": "Ship"},
                      title="t", tz="America/Chicago")
    assert [t["name"] for t in fig["data"]] == ["Pick", "Pack"]
    assert fig["data"][0]["x"] == ["2026-11-20 06:00"]  # 12:00 UTC is 06:00 in Chicago
    assert "America/Chicago" in fig["layout"]["xaxis"]["title"]["text"]


def test_an_empty_queue_trend_explains_why_it_is_empty():
    fig = depth_trend(pd.DataFrame(columns=["taken_at", "stage", "depth", "oldest_age_seconds"]),
                      {"released": "Pick"}, title="t")
    assert fig["data"] == []
    assert "every minute" in fig["layout"]["annotations"][0]["text"]


def test_the_kpi_trend_labels_each_period_and_says_on_or_off_target():
    frame = pd.DataFrame({"period": [date(2026, 11, 2), date(2026, 11, 9)], "value": [0.97, None],
                          "display": ["97.0%", "—"], "n": [10.0, 0.0]})
    frame["value"] = pd.Series([0.97, None], dtype=object)
    fig = trend(get("otif"), frame, grain="week")
    bars = fig["data"][0]
    assert bars["text"] == ["97.0%", "no data"]
    assert [c[0] for c in bars["customdata"]] == ["on target", "no data"]
    assert fig["data"][1]["y"] == [95.0, 95.0]  # the target line, in percent


def test_the_workload_chart_names_overdue_and_at_risk_work_per_assignee():
    frame = pd.DataFrame({"team_id": ["billing"] * 2, "assignee": ["ann", None], "open": [3, 1],
                          "at_risk": [1, 0], "overdue": [1, 1], "oldest_opened_at": [None, None],
                          "value_at_risk": [1.0, 2.0]})
    frame["assignee"] = pd.Series(["ann", None], dtype=object)
    fig = workload(frame, title="w")
    assert [t["name"] for t in fig["data"]] == ["Overdue", "At risk", "Other open"]
    assert fig["data"][0]["y"] == ["(not assigned)", "ann"]  # fewest open first, the busiest on top
    assert fig["data"][2]["x"] == [0, 1]
