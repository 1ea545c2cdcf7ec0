"""Fixtures for sign-in and session tests: a real app (Flask test client) on a real database,
with users whose passwords the tests know, and the tower clock frozen so tests move time
instead of sleeping."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Callable

import pytest

from tower import clock, config
from tower.app import create_app
from tower.auth import users

PASSWORD = "correct horse battery"
T0 = datetime(2026, 3, 9, 14, 0, tzinfo=timezone.utc)


@pytest.fixture
def frozen_clock():
    clock.set(T0)
    yield T0
    clock.reset()


@pytest.fixture
def make_app(engine, db_url, tmp_path, frozen_clock) -> Callable[..., Any]:
    """make_app(**env) -> the Flask server of a tower app on this test's database, built with
    TOWER_* settings from `env` (the same secret key each time, as web processes share one)."""
    with engine.begin() as conn:
        for role in ("cs", "finance", "supervisor", "admin"):
            users.add(conn=conn, username=f"{role}1", password=PASSWORD, role=role)

    def _make(**env: str):
        settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key", **env})
        return create_app(settings, db_url=db_url).server
    return _make


@pytest.fixture
def server(make_app):
    return make_app()


def router_body(path: str, search: str = "") -> dict:
    """The body Dash Pages' router callback posts to render the page at `path`."""
    return {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"]}


def render(client, path: str, search: str = "") -> str:
    """What the router callback answers for `path` (the page layout as JSON text)."""
    response = client.post("/_dash-update-component", data=json.dumps(router_body(path, search)),
                           content_type="application/json")
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def _find_value(node: Any, name: str) -> str | None:
    if isinstance(node, dict):
        props = node.get("props")
        if isinstance(props, dict) and props.get("name") == name and isinstance(props.get("value"), str):
            return props["value"]
        for value in node.values():
            found = _find_value(value, name)
            if found is not None:
                return found
    elif isinstance(node, list):
        for value in node:
            found = _find_value(value, name)
            if found is not None:
                return found
    return None


def form_token(client) -> str | None:
    """The CSRF token of the sign-in form as this client's browser would get it."""
    return _find_value(json.loads(render(client, "/login")), "csrf_token")


def sign_in(client, username: str, password: str = PASSWORD, next_: str = "", **kwargs):
    """Post the sign-in form the way a browser does: with the token the form carries."""
    data = {"username": username, "password": password, "next": next_}
    token = form_token(client)
    if token is not None:
        data["csrf_token"] = token
    return client.post("/auth/login", data=data, **kwargs)


def sign_out(client, **kwargs):
    """Press the shell's sign-out control: post the CSRF token the page's layout carries."""
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    token = _find_value(layout.get_json(), "csrf_token")
    assert token, "the shell has a sign-out form with a token"
    return client.post("/logout", data={"csrf_token": token}, **kwargs)


def callback(client, output_id: str = "orders-results", prop: str = "children", **kwargs):
    """A Dash callback request for one output (enough for the guard to judge it)."""
    body = {"output": f"{output_id}.{prop}", "outputs": {"id": output_id, "property": prop},
            "inputs": [{"id": "orders-search", "property": "value", "value": "SO-1"}],
            "changedPropIds": ["orders-search.value"]}
    return client.post("/_dash-update-component", data=json.dumps(body),
                       content_type="application/json", **kwargs)


def signed_in(response) -> bool:
    """True if the sign-in answer let the user in (a redirect to a page, not back to /login)."""
    return response.status_code == 302 and not response.location.startswith("/login")
