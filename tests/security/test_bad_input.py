"""Bad input gets a plain message or a 4xx, never a 500: NUL characters anywhere, junk in
URL values and callback inputs, a null router pathname, an unknown component package, a
search far too long; and what is left unexpected answers a plain page with a request id."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from tests.security.conftest import PASSWORD, ROLE_USERS, SCOPED
from tests.security.dash_calls import Callback, call, render_page, server_callbacks


def _callback(client, output: str) -> Callback:
    return next(cb for cb in server_callbacks(client) if cb.output == output or output in cb.output)


def test_a_nul_character_is_refused_plainly_in_a_query_the_sign_in_form_and_a_callback(world):
    client = world.client()
    signin = client.post("/auth/login", data={"username": "admin1\x00", "password": PASSWORD})
    assert signin.status_code == 400 and "NUL" in signin.get_data(as_text=True)
    client = world.client(ROLE_USERS["admin"])
    page = client.get("/orders?q=SO%00")
    assert page.status_code == 400 and "NUL" in page.get_data(as_text=True)
    search = call(client, _callback(client, "orders-results.children"), {("orders-search", "value"): "SO\x00-1"})
    assert search.status_code == 400 and "NUL" in search.get_json()["error"]


@pytest.mark.parametrize("path,search", [
    ("/exceptions", "?id=²"), ("/exceptions", "?id=1234567890123456789012345"),
    ("/exceptions", "?min_age=1e12"), ("/exceptions", "?min_age=inf"), ("/exceptions", "?max_age=nan"),
    ("/teams", "?days=abc"), ("/kpis", "?grain=day&days=x&kpi=<b>"), ("/queues", "?refresh=abc&wallboard=2"),
    ("/orders", "?q=" + "x" * 5000), ("/orders/" + "9" * 5000, ""),
])
def test_junk_in_a_page_address_opens_the_page_as_if_it_were_not_given(world, path, search):
    client = world.client(ROLE_USERS["admin"])
    response = render_page(client, path, search)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    assert "page-unavailable" not in response.get_data(as_text=True)


def test_snooze_hours_that_are_not_a_sensible_number_get_a_plain_refusal(world):
    client = world.client(ROLE_USERS["admin"])
    act = _callback(client, "exceptions-feedback.children")
    eid = world.exceptions["DAL-1"][0]
    for hours in ("abc", "nan", "inf", "1e6", "1e-9", -4, [4], {"h": 4}):
        values = {("exceptions-grid", "selectedRows"): [{"exception_id": eid}], ("exceptions-snooze-for", "value"): hours}
        response = call(client, act, values, trigger=("exceptions-snooze", "n_clicks"))
        assert response.status_code == 200
        feedback = str(response.get_json()["response"]["exceptions-feedback"]["children"])
        assert "Snooze for between 15 minutes and 30 days" in feedback, (hours, feedback[:200])
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT status FROM exceptions WHERE exception_id = :e"),
                            {"e": eid}).scalar_one() != "snoozed"


@pytest.mark.parametrize("output,values", [
    ("teams-summary.children", {("teams-period", "value"): "abc"}),
    ("teams-workload.children", {("teams-period", "value"): "abc", ("teams-team", "value"): "billing",
                                 ("teams-team", "data"): "not a list"}),
    ("kpis-trend.figure", {("kpis-grain", "value"): "day", ("kpis-kpi", "value"): "otif", ("kpis-period", "value"): "28"}),
    ("queues-matrix.children", {("queues-wallboard", "data"): None, ("queues-stages", "value"): "warehouse"}),
    ("queues-cell-orders.children", {("queues-wallboard", "data"): None, ("queues-selected", "data"): "DAL-1|released"}),
])
def test_junk_callback_inputs_get_an_answer_not_a_500(world, output, values):
    client = world.client(ROLE_USERS["admin"])
    response = call(client, _callback(client, output), values)
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_a_router_call_without_a_pathname_is_refused_with_a_400(world):
    client = world.client(ROLE_USERS["cs"])
    response = render_page(client, None)  # type: ignore[arg-type]
    assert response.status_code == 400 and "must be text" in response.get_json()["error"]


def test_an_unknown_component_package_is_a_404(world):
    client = world.client(ROLE_USERS["cs"])
    response = client.get("/_dash-component-suites/no_such_package/no_such.min.js")
    assert response.status_code == 404


def test_an_unexpected_error_answers_a_plain_page_with_a_request_id_and_no_stack_trace(world, monkeypatch, caplog):
    from tower.pages import orders as orders_page

    def broken(_text):
        raise RuntimeError("secret internals: password=hunter2")

    monkeypatch.setattr(orders_page, "_results", broken)
    client = world.client(ROLE_USERS["cs"])
    response = call(client, _callback(client, "orders-results.children"), {("orders-search", "value"): "SO-1"})
    text = response.get_data(as_text=True)
    assert response.status_code == 500 and response.is_json
    assert "request_id" in response.get_json() and "hunter2" not in text and "Traceback" not in text
    assert response.get_json()["request_id"] in caplog.text and "hunter2" in caplog.text  # logged for us


def test_a_twenty_thousand_character_search_answers_at_once_with_a_plain_message_and_no_query(world):
    client = world.client(SCOPED)
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        response = call(client, _callback(client, "orders-results.children"), {("orders-search", "value"): "S" * 20_000})
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)
    assert response.status_code == 200
    assert "search with at most 200" in str(response.get_json())
    searches = [s for s in statements if "identifiers" in s or "customer_name" in s]
    assert len(searches) <= 1, statements


def test_a_long_search_that_finds_nothing_takes_a_fixed_number_of_statements(world):
    client = world.client(ROLE_USERS["cs"])
    statements = []

    def count(conn, cursor, statement, *args):
        statements.append(statement)

    text = "SO-1000" + "Z" * 193  # 200 characters: the old suggestion loop ran one query per prefix
    sa.event.listen(sa.Engine, "before_cursor_execute", count)
    try:
        response = call(client, _callback(client, "orders-results.children"), {("orders-search", "value"): text})
    finally:
        sa.event.remove(sa.Engine, "before_cursor_execute", count)
    assert response.status_code == 200 and "Nothing found" in str(response.get_json())
    reads = [s for s in statements if "identifiers" in s or "customer_name" in s]
    assert len(reads) <= 3, f"{len(reads)} statements for one search"
    assert "SO-100001" in str(response.get_json())  # the longest shared prefix still suggests a match


def test_a_search_past_its_time_budget_says_so_plainly(world, monkeypatch):
    from tower.data import access
    from tower.pages import orders as orders_page

    monkeypatch.setattr(orders_page, "SEARCH_TIMEOUT_MS", 1)
    monkeypatch.setattr(orders_page.orders, "search", lambda text, *, conn, scope: conn.execute(
        sa.text("SELECT pg_sleep(0.2)")))
    client = world.client(ROLE_USERS["cs"])
    started = time.monotonic()
    response = call(client, _callback(client, "orders-results.children"), {("orders-search", "value"): "acme"})
    assert response.status_code == 200 and "took too long" in str(response.get_json())
    assert time.monotonic() - started < 5
    assert issubclass(access.ReadTooSlow, RuntimeError)
