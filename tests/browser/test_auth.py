"""Signing in, landing pages, and roles enforced on the server for pages and callbacks."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

from tower import clock
from tower.auth import sessions
from tower.auth.roles import BY_PREFIX, LANDING
from tower.auth.roles import ROLES as ROLE_NAMES

ROLES = ["cs", "supervisor", "finance", "executive", "admin"]


def _callback(output_id: str, prop: str, inputs: list[dict], state: list[dict] | None = None) -> dict:
    return {"output": f"{output_id}.{prop}", "outputs": {"id": output_id, "property": prop},
            "inputs": inputs, "state": state or [],
            "changedPropIds": [f"{i['id']}.{i['property']}" for i in inputs]}


EXPORT_CSV = _callback("exceptions-download", "data",
                       [{"id": "exceptions-export", "property": "n_clicks", "value": 1}],
                       [{"id": "exceptions-filters", "property": "data", "value": {}}])
QUEUES_OUTPUT = _callback("queues-grid", "rowData", [{"id": "queues-refresh", "property": "n_intervals", "value": 1}])
SEARCH = _callback("orders-results", "children", [{"id": "orders-search", "property": "value", "value": "SO-1000"}])


@pytest.mark.parametrize("role", ROLES)
def test_each_role_signs_in_and_lands_on_its_own_page(page, live_server, sign_in, shot, role):
    landed = urlparse(sign_in(page, role))
    # the path is the landing page; a page may add its own view settings to the query
    assert f"{landed.scheme}://{landed.netloc}{landed.path}" == live_server.url + LANDING[role]
    page.wait_for_selector("#shell-role")
    assert page.inner_text("#shell-role").lower() == ROLE_NAMES[role].lower()
    assert page.inner_text("#shell-signout") == "Sign out"
    shot(page, f"landing-{role}")


def test_a_wrong_password_is_refused_with_a_plain_message(page, live_server, shot):
    page.goto(live_server.url + "/login")
    page.fill("#login-username", "cs")
    page.fill("#login-password", "not-the-password")
    page.click("#login-submit")
    page.wait_for_selector("#login-error")
    assert "do not match" in page.inner_text("#login-error")
    assert "/login" in page.url
    shot(page, "wrong-password")


def test_a_signed_out_visitor_is_sent_to_sign_in_and_back(page, live_server, sign_in):
    page.goto(live_server.url + "/exceptions?kind=carrier_delay")
    assert "/login" in page.url and "next=" in page.url
    username, password = live_server.users["finance"]
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    with page.expect_navigation():
        page.click("#login-submit")
    assert page.url == live_server.url + "/exceptions?kind=carrier_delay"


@pytest.mark.parametrize("role,path", [("cs", "/queues"), ("cs", "/kpis"), ("executive", "/exceptions"),
                                       ("finance", "/integrations")])
def test_a_role_cannot_open_another_roles_page(page, live_server, sign_in, shot, role, path):
    sign_in(page, role)
    page.goto(live_server.url + path)
    page.wait_for_selector("#page-refused")
    assert "not open to the" in page.inner_text("#page-refused")
    nav_links = page.locator("#shell-navbar a").all_inner_texts()
    assert BY_PREFIX[path.strip("/")].label not in nav_links  # no link to it either
    assert "Orders" in nav_links
    shot(page, f"refused-{role}{path.replace('/', '-')}")


def test_a_role_cannot_call_another_pages_callbacks(browser, live_server, sign_in):
    contexts = {}
    for role in ("cs", "executive", "finance"):
        contexts[role] = browser.new_context()
        sign_in(contexts[role].new_page(), role)
    post = lambda role, body: contexts[role].request.post(  # noqa: E731
        live_server.url + "/_dash-update-component", data=body, headers={"Content-Type": "application/json"})
    try:
        assert post("cs", QUEUES_OUTPUT).status == 403
        assert post("executive", EXPORT_CSV).status == 403
        allowed = post("finance", EXPORT_CSV)
        assert allowed.status == 200, allowed.text()[:300]
        assert "exception_id" in allowed.text()
        assert post("cs", SEARCH).status == 200
        anonymous = browser.new_context()
        assert anonymous.request.post(live_server.url + "/_dash-update-component", data=SEARCH,
                                      headers={"Content-Type": "application/json"}).status == 401
        anonymous.close()
    finally:
        for context in contexts.values():
            context.close()


def test_signing_out_ends_the_session(page, live_server, sign_in, shot):
    sign_in(page, "cs")
    page.click("#shell-signout")
    page.wait_for_selector("#login-signed-out")
    shot(page, "signed-out")
    page.goto(live_server.url + "/orders")
    assert "/login" in page.url


def test_a_link_to_logout_on_another_site_signs_nobody_out(page, live_server, sign_in, shot):
    sign_in(page, "cs")
    elsewhere = page.context.new_page()  # another site's page in the same browser
    elsewhere.set_content(f'<a id="trap" href="{live_server.url}/logout">cute cats</a>')
    elsewhere.click("#trap")
    elsewhere.wait_for_selector("#signout-confirm")  # only a button, nothing done yet
    shot(elsewhere, "logout-asks")
    page.goto(live_server.url + "/orders")
    page.wait_for_selector("#shell-signout")
    assert "/login" not in page.url
    elsewhere.click("#signout-confirm")  # the person presses it: now they are signed out
    elsewhere.wait_for_selector("#login-signed-out")
    page.goto(live_server.url + "/orders")
    assert "/login" in page.url


def test_an_open_page_whose_session_ends_sends_the_user_to_sign_in_and_back(page, live_server, sign_in,
                                                                              engine_live, shot):
    sign_in(page, "supervisor")
    page.goto(live_server.url + "/orders?q=")
    page.wait_for_selector("#orders-search")
    username = live_server.users["supervisor"][0]
    with engine_live.begin() as conn:  # as `tower users disable` or a timeout would
        assert sessions.revoke_user(conn=conn, username=username, now=clock.now(), why="test") >= 1
    page.fill("#orders-search", "SO")  # the page's next callback is answered 401
    expect(page.locator("#login-error")).to_contain_text("session has ended")
    assert "next=%2Forders" in page.url
    shot(page, "session-ended")
    page.fill("#login-username", username)
    page.fill("#login-password", live_server.users["supervisor"][1])
    with page.expect_navigation():
        page.click("#login-submit")
    assert urlparse(page.url).path == "/orders"


def test_the_health_page_answers_before_sign_in_and_says_only_up_or_down(page, live_server, shot):
    page.goto(live_server.url + "/health")
    page.wait_for_selector("#health-db-status")
    assert page.inner_text("#health-db-status").lower() == "connected"
    text = page.inner_text("#health-page")
    assert "PostgreSQL" not in text and "127.0.0.1" not in text and "Schema version" not in text
    assert page.query_selector("#health-row-counts") is None
    shot(page, "health")


def test_an_admin_sees_the_health_details(page, live_server, sign_in):
    sign_in(page, "admin")
    page.goto(live_server.url + "/health")
    page.wait_for_selector("#health-schema-version")
    assert "Schema version" in page.inner_text("#health-schema-version")
    assert "orders" in page.inner_text("#health-row-counts")
