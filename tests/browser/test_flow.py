"""/flow in a real browser: the process map is drawn, its table and the slowest transitions
match the read functions, a transition lists the orders behind it (links to their pages), the
conformance rate is shown with its definition, and the order page shows its deviations."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tower import clock
from tower.data import flow
from tower.data.scope import Scope
from tower.db import make_engine
from tower.process import refresh
from tower.rules.policy import cached

EVERYTHING = Scope.everything()


def test_the_flow_page_maps_the_process_ranks_the_waits_and_lists_the_orders_behind_one(
        page, live_server, engine_live, sign_in, shot):
    engine = make_engine(live_server.db_url)
    try:
        refresh.run(engine, policy=cached())
    finally:
        engine.dispose()
    filters = flow.last_days(clock.now().date(), 28)
    with engine_live.begin() as conn:
        transitions = flow.process_map(conn=conn, filters=filters, scope=EVERYTHING)
        slow = flow.bottlenecks(conn=conn, filters=filters, scope=EVERYTHING)
        summary = flow.conformance(conn=conn, filters=filters, scope=EVERYTHING)
    assert len(transitions) and len(slow)
    sign_in(page, "executive")
    page.goto(live_server.url + "/flow")
    expect(page.locator("#flow-map .scatterlayer .trace").first).to_be_attached()
    expect(page.locator("#flow-bottleneck-table tbody tr")).to_have_count(len(slow))
    first = page.locator("#flow-bottleneck-table tbody tr").first.locator("td")
    expect(first.nth(1)).to_have_text(f"{slow.iloc[0]['from_label']} → {slow.iloc[0]['to_label']}")
    expect(page.locator("#flow-rate")).to_have_text(f"{summary['rate'] * 100:.1f}%")
    expect(page.get_by_text("have no deviation outside the policy's allowlist")).to_be_visible()
    page.locator("summary", has_text="The process map as a table").click()
    expect(page.locator("#flow-map-grid tbody tr")).to_have_count(len(transitions))
    shot(page, "flow")

    page.locator("#flow-bottleneck-table tbody tr").first.get_by_role("button").click()
    expect(page.locator("#flow-drill-title")).to_contain_text(str(slow.iloc[0]["to_label"]))
    link = page.locator("#flow-drill-table tbody tr").first.locator("a")
    href = link.get_attribute("href")
    assert href and href.startswith("/orders/")
    shot(page, "drill")
    link.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator("#order-conformance")).to_be_visible()

    page.goto(live_server.url + "/flow")
    page.get_by_text("365 days").click()
    expect(page).to_have_url(re.compile(r"[?&]days=365"))
