"""Signing a Flask test client in through the real sign-in form (its CSRF token included), for
tests outside tests/auth that need a signed-in app."""

from __future__ import annotations

import json
from typing import Any

_ROUTER = {"output": ".._pages_content.children..._pages_store.data..",
           "outputs": [{"id": "_pages_content", "property": "children"},
                       {"id": "_pages_store", "property": "data"}],
           "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/login"},
                      {"id": "_pages_location", "property": "search", "value": ""}],
           "changedPropIds": ["_pages_location.pathname"]}


def _token(node: Any) -> str | None:
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("name") == "csrf_token" and isinstance(props.get("value"), str):
            return props["value"]
        node = list(node.values())
    if isinstance(node, list):
        for value in node:
            found = _token(value)
            if found is not None:
                return found
    return None


def sign_in(client, username: str, password: str) -> None:
    """Render the sign-in form as a browser does, post it with its token; fail the test unless
    the answer lets the user in."""
    form = client.post("/_dash-update-component", data=json.dumps(_ROUTER), content_type="application/json")
    assert form.status_code == 200, form.data[:300]
    token = _token(form.get_json())
    assert token, "the sign-in form carries a CSRF token"
    answer = client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})
    assert answer.status_code == 302 and not answer.location.startswith("/login"), (answer.status_code,
                                                                                   answer.location)
