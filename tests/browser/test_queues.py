"""/queues in a real browser: it refreshes by itself, cells list their orders, a scoped
supervisor sees only their warehouse, and the wallboard drops the navigation."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

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
    # expect() polls from outside the page: the page's CSP forbids the eval wait_for_function needs
    expect(page.locator("#queues-updated")).to_have_text(re.compile(r"^Updated"))
    before = _depth(page, "DAL-1", "released")
    shot(page, "before")
    _new_released_order(analytics.db_url, "SO-REFRESH-1")
    run_analytics(analytics.db_url, snapshots=0)  # what the collector's snapshot job does every minute
    # No reload: the 2-second interval brings the new order in.
    expect(page.locator("[id*='\"key\":\"DAL-1|released\"']")).to_have_text(
        re.compile(rf"^\s*{before + 1:,}(?![\d,])"), use_inner_text=True, timeout=30000)
    assert _depth(page, "DAL-1", "released") == before + 1
    assert re.match(r"Updated \d+ s ago", page.inner_text("#queues-updated"))
    assert page.inner_text("#queues-as-of").startswith("Figures as of")
    shot(page, "after")


def test_a_refresh_slower_than_the_interval_is_waited_for_not_overtaken(page, analytics, sign_in):
    # Dash drops the answer to a request that a newer one of the same callback overtook: if the
    # interval kept asking while a slow read was still going, no answer would ever be shown.
    sign_in(page, "supervisor")
    in_flight, most = [0], [0]

    def is_refresh(request) -> bool:
        return "_dash-update-component" in request.url and "queues-matrix" in (request.post_data or "")

    def sent(request):
        if is_refresh(request):
            in_flight[0] += 1
            most[0] = max(most[0], in_flight[0])

    def done(request):
        if is_refresh(request):
            in_flight[0] -= 1

    page.on("request", sent)
    page.on("requestfinished", done)
    page.on("requestfailed", done)
    page.goto(analytics.url + "/queues?refresh=2")
    expect(page.locator("#queues-updated")).to_have_text(re.compile(r"^Updated"))
    engine = make_engine(analytics.db_url)
    try:
        with engine.begin() as conn:
            # Every read of the queues waits behind this lock: several intervals go by meanwhile.
            conn.execute(sa.text("LOCK TABLE queue_snapshots IN ACCESS EXCLUSIVE MODE"))
            expect(page.locator("#queues-updated")).to_have_text(re.compile(r"^Updated ([89]|\d\d+) s ago"),
                                                                 timeout=60000)
    finally:
        engine.dispose()
    # Released: the read that waited answers, and the page counts from it again.
    expect(page.locator("#queues-updated")).to_have_text(re.compile(r"^Updated [0-7] s ago"), timeout=60000)
    assert most[0] == 1


def test_clicking_a_cell_lists_its_orders_with_links(page, analytics, sign_in, shot):
    sign_in(page, "supervisor")
    page.goto(analytics.url + "/queues?stages=all")
    page.wait_for_selector(".queues-cell")
    page.locator(".queues-cell").first.click()
    links = page.locator("#queues-orders-table a")
    expect(links.first).to_be_visible()  # the list arrives in one answer, every row at once
    assert links.first.get_attribute("href").startswith("/orders/")
    # The view is a shareable link: the URL follows the listed cell a moment after the list.
    expect(page).to_have_url(re.compile(r"[?&]cell="))
    assert "stages=all" in page.url
    listed = links.all_inner_texts()
    shot(page, "cell")
    page.reload()
    expect(page.locator("#queues-orders-table a")).to_have_text(listed)  # the link reproduces the cell


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
