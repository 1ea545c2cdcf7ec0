"""/queues in a real browser: it refreshes by itself, cells list their orders, a scoped
supervisor sees only their warehouse, and the wallboard drops the navigation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from tests.browser.snapshot_helpers import run_analytics
from tower import clock
from tower.db import make_engine
from tower.store.ingest import ingest


@pytest.fixture(scope="module")
def analytics(live_server):
    run_analytics(live_server.db_url)
    return live_server


def _depth(page, warehouse: str, stage: str) -> int:
    cell = page.locator(f"[id*='\"key\":\"{warehouse}|{stage}\"']")
    if cell.count() == 0:
        return 0
    return int(re.match(r"\s*([\d,]+)", cell.inner_text()).group(1).replace(",", ""))


def _new_released_order(db_url: str, order_id: str) -> None:
    now = clock.now()
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            result = ingest(conn=conn, milestones=[
                dict(source="erp", source_event_id=f"{order_id}:placed", kind="placed", order_id=order_id,
                     occurred_at=(now - timedelta(minutes=30)).isoformat(),
                     attrs=dict(customer_id="C-9", customer_name="Refresh Test Co", warehouse="DAL-1",
                                region="South", channel="web", lines=[dict(line_no=1, sku="X", qty=1, unit_price=5)])),
                dict(source="erp", source_event_id=f"{order_id}:atp", kind="atp_confirmed", order_id=order_id,
                     occurred_at=(now - timedelta(minutes=20)).isoformat(), attrs=dict(lines=[dict(line_no=1, qty=1)])),
                dict(source="erp", source_event_id=f"{order_id}:rel", kind="released", order_id=order_id,
                     occurred_at=(now - timedelta(minutes=10)).isoformat()),
            ])
            assert not result.rejected
    finally:
        engine.dispose()


def test_the_queue_page_refreshes_by_itself(page, analytics, sign_in, shot):
    sign_in(page, "supervisor")
    page.goto(analytics.url + "/queues?refresh=2")
    page.wait_for_selector(".queues-cell")
    page.wait_for_function("document.querySelector('#queues-updated').innerText.startsWith('Updated')")
    before = _depth(page, "DAL-1", "released")
    shot(page, "before")
    _new_released_order(analytics.db_url, "SO-REFRESH-1")
    run_analytics(analytics.db_url, snapshots=0)  # what the collector's snapshot job does every minute
    # No reload: the 2-second interval brings the new order in.
    page.wait_for_function(
        """([before]) => { const el = document.querySelector('[id*=\\'"key":"DAL-1|released"\\']');
                          return el && parseInt(el.innerText) === before + 1; }""", arg=[before], timeout=15000)
    assert _depth(page, "DAL-1", "released") == before + 1
    assert re.match(r"Updated \d+ s ago", page.inner_text("#queues-updated"))
    assert page.inner_text("#queues-as-of").startswith("Figures as of")
    shot(page, "after")


def test_clicking_a_cell_lists_its_orders_with_links(page, analytics, sign_in, shot):
    sign_in(page, "supervisor")
    page.goto(analytics.url + "/queues?stages=all")
    page.wait_for_selector(".queues-cell")
    page.locator(".queues-cell").first.click()
    page.wait_for_selector("#queues-orders-table")
    links = page.locator("#queues-orders-table a")
    assert links.count() >= 1
    assert links.first.get_attribute("href").startswith("/orders/")
    assert "cell=" in page.url and "stages=all" in page.url  # the view is a shareable link
    shot(page, "cell")
    page.reload()
    page.wait_for_selector("#queues-orders-table")  # the link reproduces the listed cell


def test_a_supervisor_scoped_to_a_warehouse_sees_only_it(page, analytics, sign_in, shot):
    sign_in(page, "supervisor_scoped")
    page.goto(analytics.url + "/queues?stages=all")
    page.wait_for_selector(".queues-cell")
    keys = page.eval_on_selector_all(".queues-cell", "els => els.map(e => JSON.parse(e.id).key)")
    assert keys and all(k.startswith("DAL-1|") for k in keys)
    shot(page, "scoped")


def test_the_wallboard_shows_large_cells_without_navigation(page, analytics, sign_in, shot):
    sign_in(page, "supervisor")
    page.set_viewport_size({"width": 1920, "height": 1080})
    page.goto(analytics.url + "/queues?wallboard=1&stages=all")
    page.wait_for_selector(".queues-cell")
    assert not page.is_visible("#shell-navbar")
    assert page.locator(".queues-cell").first.bounding_box()["height"] >= 140
    shot(page, "wallboard")
