"""The Content-Security-Policy and the other security headers in a real Chromium: every page
still draws (grids, charts, clientside callbacks) and the browser reports no CSP violation;
the sign-in form works with its CSRF token; framing is refused; a saved cookie is dead after
signing out."""

from __future__ import annotations

import pytest

from tests.browser.snapshot_helpers import run_analytics

# Recorded before any page script runs: every CSP violation the page raises.
_WATCH = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', e => window.__csp.push(
    e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + (e.sample || '')));
"""


@pytest.fixture
def watched(page):
    """A tab that records CSP violations (events and console errors) and page errors."""
    problems: list[str] = []
    page.add_init_script(_WATCH)
    page.on("console", lambda m: problems.append(f"console: {m.text}")
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.problems = problems
    return page


def _violations(tab) -> list[str]:
    return tab.problems + tab.evaluate("window.__csp || []")


def test_the_sign_in_page_draws_and_signs_in_under_the_policy(watched, live_server, sign_in):
    response = watched.goto(live_server.url + "/login")
    policy = response.headers["content-security-policy"]
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"
    watched.wait_for_selector("#login-form input[name='csrf_token']", state="attached")
    assert watched.input_value("#login-form input[name='csrf_token']")
    landed = sign_in(watched, "cs")
    assert "/orders" in landed
    watched.wait_for_selector("#shell-role")
    assert _violations(watched) == []


@pytest.fixture(scope="module")
def analytics(live_server):
    """Queue snapshots and KPI facts, so /queues and /kpis have figures to draw."""
    run_analytics(live_server.db_url)
    return live_server


def test_every_page_draws_with_no_csp_violation(watched, analytics, live_server, sign_in):
    order = live_server.seed.by_reached("paid")[0]
    sign_in(watched, "admin")
    pages = [
        ("/orders", "#orders-search"),
        (f"/orders/{order.order_id}", "#order-timeline .main-svg"),  # a plotly figure
        ("/exceptions", "#exceptions-grid .ag-row"),
        ("/queues", ".queues-cell"),
        ("/teams", "#teams-table"),
        ("/kpis", ".kpis-value"),
        ("/integrations", "#integrations-streams-table"),
        ("/health", "#health-db-status"),
    ]
    for path, ready in pages:
        watched.goto(live_server.url + path)
        watched.wait_for_selector(ready)
        watched.wait_for_selector("#shell-role")
        assert _violations(watched) == [], path
    watched.goto(live_server.url + "/orders")
    watched.fill("#orders-search", order.customer_po)  # a server callback from the page
    watched.wait_for_selector(f"text=customer PO {order.customer_po}")
    assert _violations(watched) == []


def test_another_site_cannot_frame_tower(watched, live_server):
    # about:blank has a different origin. set_content returns after the load event, which
    # waits for the frame too: by then the browser has either drawn tower in it or refused.
    watched.set_content(f'<iframe id="f" src="{live_server.url}/login"></iframe>')
    framed = next(f for f in watched.frames if f != watched.main_frame)
    assert not framed.url.startswith(live_server.url), framed.url  # Chromium shows its error page
    assert framed.query_selector("#login-form") is None


def test_a_cookie_saved_before_signing_out_opens_nothing_afterwards(browser, live_server, sign_in):
    first = browser.new_context()
    tab = first.new_page()
    sign_in(tab, "cs")
    saved = first.cookies()
    tab.click("#shell-signout")
    tab.wait_for_selector("#login-signed-out")
    replay = browser.new_context()
    try:
        replay.add_cookies(saved)
        again = replay.new_page()
        again.goto(live_server.url + "/orders")
        assert "/login" in again.url
        assert replay.request.post(live_server.url + "/_dash-update-component", data={
            "output": "orders-results.children", "outputs": {"id": "orders-results", "property": "children"},
            "inputs": [{"id": "orders-search", "property": "value", "value": "SO"}],
            "changedPropIds": ["orders-search.value"]}).status == 401
    finally:
        first.close()
        replay.close()


def test_the_served_app_answers_a_20_mb_body_with_413(browser, live_server):
    context = browser.new_context()
    try:
        response = context.request.post(live_server.url + "/_dash-update-component",
                                        data="x" * (20 * 1024 * 1024),
                                        headers={"Content-Type": "application/json"})
        assert response.status == 413
        assert "too large" in response.text().lower()
    finally:
        context.close()
