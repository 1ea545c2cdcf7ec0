"""The stale-source banner tells a backlog being read from an outage."""

from __future__ import annotations

import pandas as pd

from tower.components.banner import stale_banner
from tower.data.freshness import SOURCE_COLUMNS


def frame(**carrier) -> pd.DataFrame:
    rows = []
    for source, label in (("erp", "ERP"), ("wms", "WMS"), ("carrier", "Carrier"), ("finance", "Finance")):
        row = {c: None for c in SOURCE_COLUMNS}
        row.update(source=source, label=label, status="fresh", state="up", reason="up to date",
                   last_success_at=pd.Timestamp("2026-12-01T12:00:00Z"), age_seconds=3.0)
        if source == "carrier":
            row.update(carrier)
        rows.append(row)
    return pd.DataFrame(rows, columns=SOURCE_COLUMNS)


def text(component) -> str:
    return str(component.to_plotly_json())


def test_a_source_reading_its_backlog_is_announced_as_catching_up_with_how_far_behind():
    banner = text(stale_banner(frame(status="stale", state="catching_up", stalest_stream="tracking_events",
                                     reason="reading a backlog: data 50 days behind the source")))
    assert "Catching up: Carrier" in banner
    assert "Carrier is catching up: reading a backlog: data 50 days behind the source" in banner
    assert "held back" in banner


def test_a_source_that_is_down_is_announced_as_stale_with_the_age_of_its_data():
    banner = text(stale_banner(frame(status="stale", state="down", age_seconds=47 * 60,
                                     reason="no new data for 47 min (limit 30 min)")))
    assert "Stale source: Carrier" in banner and "Carrier data 47 min old" in banner


def test_no_banner_when_every_source_is_up():
    assert stale_banner(frame()).children is None
