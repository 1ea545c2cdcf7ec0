"""Customer service finds an order by what the customer quotes and reads where it is."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import expect

from tower import clock
from tower.data import orders
from tower.data.scope import Scope

EVERYTHING = Scope.everything()


def _search(page, text: str) -> None:
    """Type a search; each test then waits for the results it asserts (not for any result)."""
    page.wait_for_selector("#orders-search")
    page.fill("#orders-search", text)


def test_search_by_customer_po_and_enter_opens_the_order(page, live_server, sign_in, shot):
    target = live_server.seed.by_reached("delivered")[0]
    sign_in(page, "cs")
    _search(page, target.customer_po.lower())  # customers quote POs in any case
    page.wait_for_selector(f"text=customer PO {target.customer_po}")
    shot(page, "results")
    page.press("#orders-search", "Enter")
    page.wait_for_url(f"**/orders/{target.order_id}")
    page.wait_for_selector("#order-header")
    assert f"Order {target.order_id}" in page.inner_text("#order-header")
    assert page.inner_text("#order-po") == target.customer_po
    shot(page, "order")


def test_search_by_tracking_number_opens_the_order(page, live_server, sign_in, shot):
    target = live_server.seed.by_reached("in_transit")[0]
    sign_in(page, "cs")
    _search(page, target.tracking_no)
    page.wait_for_selector(f"text=tracking number {target.tracking_no}")
    expect(page.locator("#orders-results-table tbody tr")).to_have_count(1)
    page.press("#orders-search", "Enter")
    page.wait_for_url(f"**/orders/{target.order_id}")
    page.wait_for_selector("#order-shipments")
    assert target.tracking_no in page.inner_text("#order-shipments")
    shot(page, "order")


def test_a_customer_name_with_a_typo_still_finds_its_orders(page, live_server, sign_in, shot):
    sign_in(page, "cs")
    _search(page, "bluebonet hardwre")
    expected = {o.order_id for o in live_server.seed.orders if o.customer_name == "Bluebonnet Hardware"}
    cells = page.locator("#orders-results-table tbody tr td:first-child")
    expect(cells).to_have_count(len(expected))
    shown = set(cells.all_inner_texts())
    assert shown == expected
    shot(page, "typo")


def test_the_order_page_shows_every_milestone_of_the_timeline(page, live_server, engine_live, sign_in, shot):
    target = live_server.seed.by_reached("paid")[0]
    with engine_live.connect() as conn:
        timeline = orders.timeline(target.order_id, conn=conn, scope=EVERYTHING)
        header = orders.header(target.order_id, conn=conn, scope=EVERYTHING)
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/orders/{target.order_id}")
    rows = page.locator("#order-events tbody tr")
    assert len(timeline) > 8
    expect(rows).to_have_count(len(timeline))
    systems = rows.locator("td:nth-child(2)").all_inner_texts()
    assert systems == [s.upper() for s in timeline["source"]]
    assert {"ERP", "WMS", "CARRIER", "FINANCE"} <= set(systems)
    plan = page.inner_text("#order-plan")
    assert "Delivered" in plan and "Paid" in plan
    page.wait_for_selector("#order-timeline .main-svg")  # the plotly figure is drawn
    assert page.inner_text("#order-waiting-on") == (header["waiting_on"] or "nothing")
    shot(page, "timeline")


def test_copy_status_puts_a_plain_summary_on_the_clipboard(browser, live_server, sign_in, shot):
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_server.url)
    tab = context.new_page()
    try:
        target = live_server.seed.by_reached("in_transit")[0]
        sign_in(tab, "cs")
        tab.goto(f"{live_server.url}/orders/{target.order_id}")
        tab.wait_for_selector("#order-copy")
        tab.click("#order-copy")
        copied = ""
        for _ in range(50):  # the copy is asynchronous: wait up to 10 s for it to land
            copied = tab.evaluate("navigator.clipboard.readText()")
            if copied:
                break
            tab.wait_for_timeout(200)
        assert copied.startswith(f"Order {target.order_id} (your PO {target.customer_po})")
        assert target.tracking_no in copied
        assert copied == tab.inner_text("#order-summary").strip()
        shot(tab, "copied")
    finally:
        context.close()


def test_an_unknown_order_gets_a_friendly_page_with_suggestions(page, live_server, sign_in, shot):
    known = live_server.seed.orders[3]
    typo = known.order_id[:-1] + "x"
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/orders/{typo}")
    page.wait_for_selector("#order-missing")
    text = page.inner_text("#order-missing")
    assert f"no order “{typo}”" in text
    assert known.order_id in text  # a similar order number is offered
    shot(page, "unknown")


def _minutes_since(instant: datetime) -> int:
    """Whole minutes from `instant` to now, floored as the banner's duration words floor them."""
    return int((clock.now() - instant).total_seconds() // 60)


def _shows_wms_lag(banner: str, through: datetime, earliest: int) -> None:
    """The banner names WMS's data lag in event time: the minutes from the instant its data runs
    through to when the page was drawn — between `earliest` (taken before the page loaded) and
    now, so the assertion holds however slowly the machine runs."""
    latest = _minutes_since(through)
    shown = re.search(r"WMS data (\d+) min old", banner)
    assert shown, banner
    assert earliest <= int(shown.group(1)) <= latest, (banner, earliest, latest)


def _banner_text(page) -> str:
    """The stale-source banner's words once it names WMS (bounded: the page draws it after its
    callbacks answer, which takes a while on a loaded machine)."""
    banner = page.locator(".tower-stale-banner")
    expect(banner).to_contain_text("WMS data", timeout=60_000)
    return banner.inner_text()


def test_a_stale_source_is_named_on_the_order_page(page, live_server, sign_in, shot):
    target = live_server.seed.by_reached("picked")[0]
    through = live_server.wms_data_through
    assert through is not None
    sign_in(page, "cs")
    earliest = _minutes_since(through)
    assert earliest >= 47          # the fixture's WMS data stopped 47 min before it started the server
    page.goto(f"{live_server.url}/orders/{target.order_id}")
    banner = _banner_text(page)
    _shows_wms_lag(banner, through, earliest)
    assert "ERP" not in banner and "Carrier" not in banner
    assert "stale" in page.inner_text("#order-sources").lower()
    shot(page, "stale")
    earliest = _minutes_since(through)
    page.goto(f"{live_server.url}/orders")  # the search depends on every source too
    _shows_wms_lag(_banner_text(page), through, earliest)


def test_the_order_page_says_why_in_sentences_with_the_flow_model_that_decided(page, live_server, engine_live, sign_in):
    target = live_server.seed.by_reached("in_transit")[0]
    with engine_live.connect() as conn:
        header = orders.header(target.order_id, conn=conn, scope=EVERYTHING)
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/orders/{target.order_id}")
    page.wait_for_selector("#order-reason")
    why = page.inner_text("#order-reason")
    assert header["evaluated_at"] is not None and header["reason"]   # the seed is judged by the rules
    assert why.startswith("Why: Waiting on ")
    assert header["reason"] not in why and " h used on " not in why   # never the engine's line
    assert f"Decided by flow model {header['policy_version']}" in why
