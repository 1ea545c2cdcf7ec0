"""Who may read what through /api/v1: tokens, scopes, roles and warehouses."""

from __future__ import annotations

import time

import pytest

from tests.api.conftest import World
from tower import clock
from tower.auth import tokens


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_without_a_token_the_api_answers_401(world: World) -> None:
    _problem(world.client().get("/api/v1/exceptions"), 401)


def test_a_token_lacking_the_scope_gets_403(world: World) -> None:
    _problem(world.client().get("/api/v1/exceptions", headers=world.auth("kpis_only")), 403)
    assert world.client().get("/api/v1/kpis", headers=world.auth("kpis_only")).status_code == 200


def test_a_role_that_may_not_open_the_page_gets_403_even_with_a_scope_name(world: World) -> None:
    # cs may not open /kpis, so its token cannot hold kpis:read and is refused.
    _problem(world.client().get("/api/v1/kpis", headers=world.auth("cs")), 403)


def test_a_token_cannot_be_made_with_more_than_its_users_role(world: World) -> None:
    with world.engine.begin() as conn, pytest.raises(tokens.TokenInputError, match="may not hold"):
        tokens.create(conn=conn, username="cs1", scopes=["integrations:read"], by="test", now=clock.now())


def test_revoked_and_expired_tokens_are_refused(world: World) -> None:
    order = world.seeded.orders[0].order_id
    _problem(world.client().get(f"/api/v1/orders/{order}", headers=world.auth("revoked")), 401)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:  # the token was made to expire two seconds after it was made
        response = world.client().get(f"/api/v1/orders/{order}", headers=world.auth("expiring"))
        if response.status_code == 401:
            break
        time.sleep(0.2)
    _problem(response, 401)


def test_an_order_outside_the_warehouse_scope_is_answered_like_an_unknown_one(world: World) -> None:
    foreign = world.orders_of("ATL-1")[0]
    own = world.orders_of("DAL-1")[0]
    client = world.client()
    assert client.get(f"/api/v1/orders/{own.order_id}", headers=world.auth("scoped")).status_code == 200
    outside = _problem(client.get(f"/api/v1/orders/{foreign.order_id}", headers=world.auth("scoped")), 404)
    unknown = _problem(client.get("/api/v1/orders/NO-SUCH-ORDER", headers=world.auth("scoped")), 404)
    assert outside["title"] == unknown["title"]
    found = client.get(f"/api/v1/orders?q={foreign.customer_po}", headers=world.auth("scoped")).get_json()
    assert found["items"] == []
    listed = client.get("/api/v1/exceptions?limit=200", headers=world.auth("scoped")).get_json()
    assert listed["items"] and {e["warehouse"] for e in listed["items"]} <= {"DAL-1"}


def test_an_order_is_found_by_its_customer_po_and_read_with_its_parts(world: World) -> None:
    order = next(o for o in world.seeded.orders if o.invoice_no)
    client = world.client()
    found = client.get(f"/api/v1/orders?q={order.customer_po}", headers=world.auth("cs")).get_json()
    assert [m["order_id"] for m in found["items"]][:1] == [order.order_id]
    body = client.get(f"/api/v1/orders/{order.order_id}", headers=world.auth("cs")).get_json()
    assert body["order"]["order_id"] == order.order_id
    assert order.order_id in body["status_in_words"]
    assert body["timeline"] and body["invoices"] and {s["source"] for s in body["sources"]} >= {"erp"}
    assert body["order"]["placed_at"].endswith("Z") or "+" in body["order"]["placed_at"]


def test_unknown_query_parameters_are_rejected(world: World) -> None:
    body = _problem(world.client().get("/api/v1/exceptions?colour=red", headers=world.auth("admin")), 400)
    assert any(e["location"] == "query.colour" for e in body["errors"])


def test_unknown_api_paths_and_wrong_methods_answer_problems_not_the_html_page(world: World) -> None:
    client = world.client()
    _problem(client.get("/api"), 404)
    _problem(client.get("/api/v2/orders"), 404)
    wrong = _problem(client.delete("/api/v1/orders"), 405)
    assert wrong and "GET" in client.delete("/api/v1/orders").headers["Allow"]


def test_a_body_over_the_cap_gets_413(world: World) -> None:
    from tower.api.framework import MAX_BODY_BYTES

    big = b'{"exception_ids": [1], "action": "comment", "comment": "' + b"x" * MAX_BODY_BYTES + b'"}'
    _problem(world.client().post("/api/v1/exceptions/actions", data=big, content_type="application/json",
                                 headers=world.auth("admin")), 413)


def test_an_action_through_the_api_is_in_the_audit_trail_with_the_tokens_user(world: World) -> None:
    client = world.client()
    listed = client.get("/api/v1/exceptions?limit=1", headers=world.auth("supervisor")).get_json()
    target = listed["items"][0]["exception_id"]
    done = client.post("/api/v1/exceptions/actions", headers=world.auth("supervisor"),
                       json={"exception_ids": [target], "action": "comment", "comment": "called the carrier"})
    assert done.status_code == 200 and done.get_json()["changed"] == 1
    detail = client.get(f"/api/v1/exceptions/{target}", headers=world.auth("supervisor")).get_json()
    assert any(h["actor"] == "supervisor1" and h["comment"] == "called the carrier"
               for h in detail["history"])


def test_an_action_on_an_exception_outside_the_scope_is_refused_like_an_unknown_one(world: World) -> None:
    client = world.client()
    foreign = client.get("/api/v1/exceptions?warehouse=ATL-1&limit=1", headers=world.auth("admin")).get_json()
    target = foreign["items"][0]["exception_id"]
    _problem(client.post("/api/v1/exceptions/actions", headers=world.auth("scoped"),
                         json={"exception_ids": [target], "action": "acknowledge"}), 404)


def test_the_rate_limit_answers_429_with_retry_after(world: World) -> None:
    world.app.server.config["TOWER_API_RATE_LIMIT"] = "3 per minute"
    try:
        client = world.client()
        answers = [client.get("/api/v1/kpis", headers=world.auth("finance")) for _ in range(5)]
    finally:
        world.app.server.config.pop("TOWER_API_RATE_LIMIT")
    assert [a.status_code for a in answers[:3]] == [200, 200, 200]
    limited = _problem(answers[3], 429)
    assert int(answers[3].headers["Retry-After"]) >= 1 and limited["title"]


def test_last_used_time_is_recorded(world: World) -> None:
    world.client().get("/api/v1/teams", headers=world.auth("executive"))
    with world.engine.connect() as conn:
        listed = tokens.list_tokens(conn=conn)
    row = listed[listed["token_id"] == world.token_ids["executive"]].iloc[0]
    assert row["last_used_at"] is not None


def test_the_document_is_openapi_3_1_and_the_docs_page_is_served_locally(world: World) -> None:
    client = world.client()
    doc = client.get("/api/v1/openapi.json").get_json()
    assert doc["openapi"] == "3.1.0" and "/api/v1/orders/{order_id}" in doc["paths"]
    answer = client.get("/api/v1/docs")
    page = answer.get_data(as_text=True)
    assert "GET /api/v1/orders" in page and "<script" not in page
    # the app's Content-Security-Policy covers it too, and it needs no inline script
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";")[0]


def test_a_nul_character_is_refused_as_a_problem_not_an_html_page(world: World) -> None:
    body = _problem(world.client().get("/api/v1/orders?q=a%00b", headers=world.auth("cs")), 400)
    assert "NUL" in body["detail"]
