"""Security headers on every answer, a CSRF token on the sign-in form, state-changing requests
from another site refused, and request bodies capped in size."""

from __future__ import annotations

import json

import pytest

from tests.auth.conftest import PASSWORD, callback, form_token, sign_in, signed_in


def _directives(policy: str) -> dict[str, list[str]]:
    parts = (p.strip().split() for p in policy.split(";") if p.strip())
    return {p[0]: p[1:] for p in parts}


@pytest.mark.parametrize("path", ["/login", "/orders", "/health", "/_dash-layout", "/no/such/page"])
def test_every_answer_carries_the_security_headers(server, path):
    client = server.test_client()
    assert signed_in(sign_in(client, "admin1"))
    response = client.get(path)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] in ("same-origin", "strict-origin-when-cross-origin", "no-referrer")
    policy = _directives(response.headers["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    scripts = policy["script-src"]
    assert "'self'" in scripts and "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts
    assert all(s == "'self'" or s.startswith("'sha256-") for s in scripts)
    assert policy["object-src"] == ["'none'"] and policy["form-action"] == ["'self'"]


def test_the_policy_allows_exactly_the_inline_scripts_dash_renders(server):
    import base64
    import hashlib
    import re

    page = server.test_client().get("/login").get_data(as_text=True)
    page = re.sub(r"<!--.*?-->", "", page, flags=re.S)  # Dash's IE-only notice is a comment to others
    policy = _directives(server.test_client().get("/login").headers["Content-Security-Policy"])
    inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>", page, re.S)
    assert inline, "Dash renders at least its renderer inline"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in policy["script-src"], script[:80]


def test_the_sign_in_form_carries_a_token_and_a_post_without_it_is_refused(server):
    client = server.test_client()
    no_token = client.post("/auth/login", data={"username": "cs1", "password": PASSWORD})
    assert not signed_in(no_token) and no_token.location.startswith("/login?error=expired")
    token = form_token(client)
    assert token
    stranger = server.test_client()  # a token from someone else's form does not fit this session
    forged = stranger.post("/auth/login", data={"username": "cs1", "password": PASSWORD, "csrf_token": token})
    assert not signed_in(forged)
    ok = client.post("/auth/login", data={"username": "cs1", "password": PASSWORD, "csrf_token": token})
    assert signed_in(ok)


@pytest.mark.parametrize("headers", [
    {"Origin": "https://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost.evil.example"},
    {"Referer": "https://evil.example/page"},
])
def test_a_state_changing_request_from_another_site_is_refused(server, headers):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    refused = callback(client, headers=headers)
    assert refused.status_code == 403
    assert refused.mimetype == "text/plain" and "another site" in refused.get_data(as_text=True)
    login = sign_in(server.test_client(), "cs1", headers=headers)
    assert login.status_code == 403
    assert client.post("/logout", headers=headers).status_code == 403


@pytest.mark.parametrize("headers", [
    {"Origin": "http://localhost"},
    {"Referer": "http://localhost/orders"},
    {},  # no browser: command-line clients send neither
])
def test_a_request_from_the_app_itself_passes_the_origin_check(server, headers):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1", headers=headers))
    assert callback(client, headers=headers).status_code == 200


@pytest.mark.parametrize("path", ["/_dash-update-component", "/auth/login"])
def test_a_20_mb_body_is_refused_with_413_and_a_plain_message(server, path):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    body = json.dumps({"output": "orders-results.children", "pad": "x" * (20 * 1024 * 1024)})
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.mimetype == "text/plain" and "too large" in response.get_data(as_text=True)


def test_the_body_limit_is_a_setting(make_app):
    client = make_app(TOWER_MAX_REQUEST_MB="1").test_client()
    response = client.post("/_dash-update-component", data="x" * (1024 * 1024 + 1), content_type="application/json")
    assert response.status_code == 413


@pytest.mark.parametrize("path,exempt", [
    ("/api/v1/probe", True),      # bearer-token API
    ("/hooks/partner/probe", True),  # HMAC-signed webhooks, partner tokens
    ("/apiary/probe", False),     # only the prefixes themselves, not look-alikes
    ("/probe", False),
])
def test_machine_routes_are_exempt_from_the_origin_check_and_nothing_else_is(make_app, path, exempt):
    server = make_app()
    # a stand-in for routes other work adds; registered before the app answers anything
    server.add_url_rule(path, "probe", lambda: "accepted", methods=["POST"])
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))  # the sign-in guard is not what this test is about
    response = client.post(path, headers={"Origin": "https://partner.example"})
    if exempt:
        assert response.status_code == 200 and response.get_data(as_text=True) == "accepted"
    else:
        assert response.status_code == 403 and "another site" in response.get_data(as_text=True)
