"""The figure builders of the order and exceptions pages (pure: frames in, figures out)."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import plotly.graph_objects as go

from tests.data.test_order_status import EMPTY_INVOICES, EMPTY_SHIPMENTS, _header, _timeline
from tower.data import order_status
from tower.figures import exceptions as exception_figures
from tower.figures.timeline import order_timeline

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)


def test_the_timeline_draws_a_lane_per_system_the_plan_and_the_gaps():
    tl = _timeline(("placed", "erp", 100), ("released", "erp", 99), ("shipped", "wms", 60),
                   ("delivered", "carrier", 2))
    plan = order_status.plan_vs_actual(_header(), tl, EMPTY_SHIPMENTS, EMPTY_INVOICES, now=NOW)
    gaps = order_status.silences(tl, now=NOW, open_order=True)
    # go.Figure reads the builder's dict with plotly's validation: a property plotly does not
    # know would fail here (the builders skip that validation for speed).
    fig = go.Figure(order_timeline(tl, plan, gaps, tz="America/Chicago", zone_label="America/Chicago (CDT)", now=NOW))
    names = [t.name for t in fig.data if t.name]
    assert names[:3] == ["ERP (actual)", "WMS (actual)", "Carrier (actual)"] and "planned" in names
    erp = next(t for t in fig.data if t.name == "ERP (actual)")
    # drawn in the warehouse's zone: 100 h before 15:00 UTC on 10 Mar is 11:00 UTC on 6 Mar, 05:00 CST
    # (daylight time starts on 8 Mar)
    assert pd.Timestamp(erp.x[0]) == pd.Timestamp("2026-03-06 05:00")
    assert len([s for s in fig.layout.shapes if s.type == "rect"]) == len(gaps) == 2
    assert "America/Chicago (CDT)" in fig.layout.xaxis.title.text


def test_the_aging_chart_stacks_severities_with_their_names():
    frame = pd.DataFrame({"age_bucket": [1, 1, 3], "bucket": ["< 4 h", "< 4 h", "1–3 d"],
                          "severity": ["high", "low", "high"], "n": [4, 1, 2]})
    fig = go.Figure(exception_figures.aging(frame))
    assert [t.name for t in fig.data] == ["High", "Low"]
    high = next(t for t in fig.data if t.name == "High")
    assert list(high.y) == [4, 0, 2, 0, 0]
    assert fig.layout.yaxis.dtick == 1


def test_the_count_bars_are_a_valid_figure_with_the_most_on_top():
    frame = pd.DataFrame({"kind": ["stage_overdue", "credit_hold"], "n": [7, 2]})
    fig = go.Figure(exception_figures.counts(frame, "kind", "Open by kind"))
    assert list(fig.data[0].y) == ["stage overdue", "credit hold"] and list(fig.data[0].x) == [7, 2]
    assert fig.layout.yaxis.autorange == "reversed" and fig.layout.xaxis.dtick == 2


def test_count_axes_step_in_round_numbers():
    steps = {top: go.Figure(exception_figures.counts(pd.DataFrame({"kind": ["a"], "n": [top]}), "kind", "t"))
             .layout.xaxis.dtick for top in (1, 3, 7, 12, 3720, 26011)}
    assert steps == {1: 1, 3: 1, 7: 2, 12: 5, 3720: 1000, 26011: 10000}
