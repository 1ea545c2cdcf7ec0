"""Imported history on the analytics pages without moving tower's clock: the Olist sample
(2016-2018) is imported into the live server's store, and /kpis, /queues and /teams are opened
on a custom range — set in the URL, and picked with the range picker — and an "as of" time.
The figures shown are computed here, independently, with pandas from Olist's raw CSV files.
Skipped with a reason when the shared data is absent."""

from __future__ import annotations

import math
import re
from datetime import date

import pandas as pd
import pytest
from playwright.sync_api import expect

from tests.browser.snapshot_helpers import run_analytics
from tests.conftest import SHARED_DATA
from tower.kpis.registry import BY_ID, format_value

ZONE = "America/Sao_Paulo"
MINUTE = 1 / 60


@pytest.fixture(scope="module")
def olist_server(live_server, monkeypatch_module):
    folder = SHARED_DATA / "olist"
    if not folder.is_dir():
        pytest.skip(f"Olist data not found at {folder}: set TOWER_SHARED_DATA to the shared/data folder")
    from tower.commands.main import main

    monkeypatch_module.setenv("TOWER_DATABASE_URL", live_server.db_url)
    assert main(["import", "olist", str(folder)]) == 0
    run_analytics(live_server.db_url)
    return live_server


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


@pytest.fixture(scope="module")
def raw():
    """Olist's delivered, non-cancelled orders with items: delivery (UTC), purchase (UTC), late."""
    folder = SHARED_DATA / "olist"
    orders = pd.read_csv(folder / "olist_orders_dataset.csv")
    items = pd.read_csv(folder / "olist_order_items_dataset.csv")
    local = {c: pd.to_datetime(orders[c]) for c in ("order_purchase_timestamp", "order_delivered_customer_date",
                                                    "order_estimated_delivery_date")}
    utc = {c: local[c].dt.tz_localize(ZONE, ambiguous=True, nonexistent=pd.Timedelta(hours=1)).dt.tz_convert("UTC")
           for c in ("order_purchase_timestamp", "order_delivered_customer_date")}
    keep = ((orders["order_status"] != "canceled") & local["order_delivered_customer_date"].notna()
            & orders["order_id"].isin(items["order_id"]))
    return pd.DataFrame({
        "delivered": utc["order_delivered_customer_date"][keep],
        "hours": ((utc["order_delivered_customer_date"] - utc["order_purchase_timestamp"]).dt.total_seconds()
                  / 3600)[keep],
        # A date-only promise holds for the whole estimated day in São Paulo.
        "late": (local["order_delivered_customer_date"].dt.date > local["order_estimated_delivery_date"].dt.date)[keep],
    })


def _nearest_rank(values: pd.Series, p: float) -> float:
    cut = sorted(math.floor(v / MINUTE) * MINUTE for v in values)
    return cut[max(1, math.ceil(p * len(cut))) - 1]


def _expected(raw: pd.DataFrame, first: date, last: date) -> dict[str, str]:
    """Late-delivery rate and cycle time p50 of the orders delivered on UTC days first..last."""
    days = raw["delivered"].dt.date
    mine = raw[(days >= first) & (days <= last)]
    assert len(mine) > 100  # the range holds real history
    return {"late_delivery": format_value(BY_ID["late_delivery"], float(mine["late"].mean())),
            "cycle_time_p50": format_value(BY_ID["cycle_time_p50"], _nearest_rank(mine["hours"], 0.5))}


def _shows(page, expected: dict[str, str]) -> None:
    for kpi_id, text in expected.items():
        expect(page.locator(f".kpis-value[data-kpi='{kpi_id}']")).to_have_text(text)


def test_a_custom_range_in_the_url_shows_imported_history_on_kpis(page, olist_server, raw, sign_in, shot):
    sign_in(page, "executive")
    page.goto(olist_server.url + "/kpis?from=2017-01-01&to=2017-06-30")
    _shows(page, _expected(raw, date(2017, 1, 1), date(2017, 6, 30)))
    expect(page.locator("#kpis-period-text")).to_contain_text("01 Jan 2017 – 30 Jun 2017 (181 UTC days)")
    expect(page).to_have_url(re.compile(r"from=2017-01-01&to=2017-06-30"))
    shot(page, "olist-first-half-2017")


def test_a_range_picked_with_the_picker_shows_its_figures_and_goes_into_the_url(page, olist_server, raw,
                                                                                 sign_in, shot):
    sign_in(page, "executive")
    page.goto(olist_server.url + "/kpis?from=2017-03-01&to=2017-03-31")
    _shows(page, _expected(raw, date(2017, 3, 1), date(2017, 3, 31)))
    page.click("#kpis-range")
    # The picker opens on March 2017: pick 6 March, then go to April and pick 20 April.
    page.get_by_role("button", name=re.compile(r"^6 March 2017$")).click()
    page.locator("[data-direction='next']").first.click()
    page.get_by_role("button", name=re.compile(r"^20 April 2017$")).click()
    page.keyboard.press("Escape")
    expect(page.locator("#kpis-period")).to_contain_text("Custom")
    _shows(page, _expected(raw, date(2017, 3, 6), date(2017, 4, 20)))
    expect(page).to_have_url(re.compile(r"from=2017-03-06&to=2017-04-20"))
    shot(page, "olist-picked-range")


def test_an_as_of_time_moves_the_presets_into_the_imported_history(page, olist_server, raw, sign_in):
    sign_in(page, "executive")
    page.goto(olist_server.url + "/kpis?days=90&as_of=2017-09-30")
    # 90 whole UTC days up to and including the as-of day.
    _shows(page, _expected(raw, date(2017, 7, 3), date(2017, 9, 30)))
    expect(page).to_have_url(re.compile(r"days=90&as_of=2017-09-30T23%3A59"))


def test_a_bad_range_in_the_url_gets_a_plain_message_not_an_error(page, olist_server, sign_in):
    sign_in(page, "executive")
    page.goto(olist_server.url + "/kpis?from=2017-02-30&to=banana&as_of=soon")
    expect(page.locator("#period-problem")).to_contain_text("is not a day like 2017-01-31")
    expect(page.locator("#period-problem")).to_contain_text("counted as of now")
    expect(page.locator(".kpis-value").first).to_be_visible()


def test_the_queues_trend_over_imported_history_is_rebuilt_from_stage_times(page, olist_server, sign_in, shot):
    sign_in(page, "supervisor")
    page.goto(olist_server.url + "/queues?stages=all&from=2017-05-01&to=2017-05-31")
    expect(page.locator("#queues-trend")).to_contain_text("rebuilt from the orders' stage times")
    expect(page.locator("#queues-trend .scatterlayer .trace").first).to_be_attached()
    shot(page, "olist-may-2017")


def test_teams_say_when_open_work_is_counted_for_a_custom_range(page, olist_server, sign_in):
    sign_in(page, "supervisor")
    page.goto(olist_server.url + "/teams?from=2017-01-01&to=2017-01-31")
    expect(page.locator("#teams-counted")).to_contain_text("counted as of 31 Jan 2017 23:59 UTC")
    expect(page.locator("#teams-counted")).to_contain_text("01 Jan 2017 – 31 Jan 2017 (31 UTC days)")
    expect(page.locator("#teams-table")).to_be_visible()
