"""Customer service finds an order by what the customer quotes and reads where it is."""

from __future__ import annotations

from tower.data import orders
from tower.data.scope import Scope

EVERYTHING = Scope.everything()


def _search(page, text: str) -> None:
    page.fill("#orders-search", text)
    page.wait_for_selector("#orders-results-table, #orders-none")


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
    assert page.locator("#orders-results-table tbody tr").count() == 1
    page.press("#orders-search", "Enter")
    page.wait_for_url(f"**/orders/{target.order_id}")
    page.wait_for_selector("#order-shipments")
    assert target.tracking_no in page.inner_text("#order-shipments")
    shot(page, "order")


def test_a_customer_name_with_a_typo_still_finds_its_orders(page, live_server, sign_in, shot):
    sign_in(page, "cs")
    _search(page, "bluebonet hardwre")
    page.wait_for_selector("#orders-results-table")
    expected = {o.order_id for o in live_server.seed.orders if o.customer_name == "Bluebonnet Hardware"}
    shown = set(page.locator("#orders-results-table tbody tr td:first-child").all_inner_texts())
    assert shown == expected
    shot(page, "typo")


def test_the_order_page_shows_every_milestone_of_the_timeline(page, live_server, engine_live, sign_in, shot):
    target = live_server.seed.by_reached("paid")[0]
    with engine_live.connect() as conn:
        timeline = orders.timeline(target.order_id, conn=conn, scope=EVERYTHING)
        header = orders.header(target.order_id, conn=conn, scope=EVERYTHING)
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/orders/{target.order_id}")
    page.wait_for_selector("#order-events")
    rows = page.locator("#order-events tbody tr")
    assert rows.count() == len(timeline) > 8
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


def test_a_stale_source_is_named_on_the_order_page(page, live_server, sign_in, shot):
    target = live_server.seed.by_reached("picked")[0]
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/orders/{target.order_id}")
    page.wait_for_selector(".tower-stale-banner")
    banner = page.inner_text(".tower-stale-banner")
    assert "WMS data 47 min old" in banner
    assert "ERP" not in banner and "Carrier" not in banner
    assert "stale" in page.inner_text("#order-sources").lower()
    shot(page, "stale")
    page.goto(f"{live_server.url}/orders")  # the search depends on every source too
    page.wait_for_selector(".tower-stale-banner")
    assert "WMS data 47 min old" in page.inner_text(".tower-stale-banner")
