"""Users, passwords, and the server-side role guard, through Flask's test client on a real
app and a real database."""

from __future__ import annotations

import json

import pytest

from tower import config
from tower.app import create_app
from tower.auth import users
from tower.auth.roles import LANDING


@pytest.fixture
def app_client(engine, db_url, tmp_path):
    with engine.begin() as conn:
        for role in ("cs", "finance", "supervisor"):
            users.add(conn=conn, username=f"{role}1", password="correct horse", role=role)
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key"})
    return create_app(settings, db_url=db_url).server.test_client()


def _login(client, username: str, password: str = "correct horse", next_: str = ""):
    return client.post("/auth/login", data={"username": username, "password": password, "next": next_})


def _callback(client, output_id, prop="children"):
    body = {"output": f"{output_id}.{prop}", "outputs": {"id": output_id, "property": prop},
            "inputs": [{"id": "x", "property": "value", "value": 1}], "changedPropIds": ["x.value"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def test_passwords_are_hashed_and_checked(engine):
    with engine.begin() as conn:
        users.add(conn=conn, username="Ana.Lopez", password="s3cret-enough", role="cs", time_zone="America/Chicago")
        stored = conn.exec_driver_sql("SELECT password_hash FROM users WHERE username = 'ana.lopez'").scalar_one()
        assert "s3cret" not in stored and stored.startswith(("scrypt:", "pbkdf2:"))
        assert users.authenticate(conn=conn, username="ana.lopez", password="s3cret-enough").time_zone == "America/Chicago"
        assert users.authenticate(conn=conn, username="ana.lopez", password="wrong") is None
        assert users.authenticate(conn=conn, username="nobody", password="s3cret-enough") is None


@pytest.mark.parametrize("kwargs,message", [
    ({"username": "x", "role": "cs"}, "user name"),
    ({"username": "ok.name", "role": "boss"}, "role must be one of"),
    ({"username": "ok.name", "role": "cs", "password": "short"}, "at least 8"),
    ({"username": "ok.name", "role": "cs", "time_zone": "Mars/Base"}, "unknown time zone"),
])
def test_a_bad_user_definition_is_refused_with_the_reason(engine, kwargs, message):
    with engine.begin() as conn, pytest.raises(users.UserInputError, match=message):
        users.add(conn=conn, **{"password": "long enough", **kwargs})


def test_demo_users_are_created_once_with_their_passwords_returned(engine):
    with engine.begin() as conn:
        first = users.ensure_demo_users(conn=conn)
        second = users.ensure_demo_users(conn=conn)
        for username, password, role in first:
            assert users.authenticate(conn=conn, username=username, password=password).role == role
    assert {r for _, _, r in first} == {"cs", "supervisor", "finance", "executive", "admin"}
    assert second == []
    with engine.connect() as conn:
        scoped = users.get(conn=conn, username="supervisor.dal")
    assert scoped.warehouses == ("DAL-1",) and scoped.sees_warehouse("DAL-1") and not scoped.sees_warehouse("ATL-1")


def test_pages_need_a_sign_in_and_each_role_lands_on_its_page(app_client):
    response = app_client.get("/exceptions?kind=a")
    assert response.status_code == 302 and response.location.startswith("/login?next=")
    assert app_client.get("/health").status_code == 200  # open to all: it must answer when sign-in cannot
    assert _login(app_client, "cs1", "wrong").location.startswith("/login?error=1")
    assert _login(app_client, "cs1").location == LANDING["cs"]
    assert app_client.get("/").location == LANDING["cs"]


def test_sign_in_follows_only_local_next_links_the_role_may_open(app_client):
    assert _login(app_client, "finance1", next_="//evil.example/x").location == LANDING["finance"]
    assert _login(app_client, "finance1", next_="/queues").location == LANDING["finance"]  # not finance's page
    assert _login(app_client, "finance1", next_="/teams?team=billing").location == "/teams?team=billing"


def test_callbacks_of_a_page_the_role_may_not_open_are_refused(app_client):
    assert _callback(app_client, "orders-results").status_code == 401  # not signed in
    _login(app_client, "cs1")
    assert _callback(app_client, "queues-grid", "rowData").status_code == 403
    assert _callback(app_client, "kpis-cards").status_code == 403
    assert _callback(app_client, "nosuchpage-x").status_code == 403  # unknown prefixes stay closed
    pattern = {"output": "x", "outputs": [[{"id": {"type": "queues-cell", "index": 1}, "property": "n_clicks"}]],
               "inputs": [], "changedPropIds": []}
    assert app_client.post("/_dash-update-component", data=json.dumps(pattern),
                           content_type="application/json").status_code == 403
    assert app_client.post("/_dash-update-component", data="{}", content_type="application/json").status_code == 400
    assert _callback(app_client, "exceptions-feedback").status_code != 403  # cs may use /exceptions


def test_a_supervisor_may_call_queue_callbacks_but_not_kpi_ones(app_client):
    _login(app_client, "supervisor1")
    assert _callback(app_client, "kpis-cards").status_code == 403
    assert _callback(app_client, "queues-grid", "rowData").status_code != 403


def _render(client, path: str, search: str = "") -> str:
    """What Dash Pages' router callback returns for `path` (the page layout as JSON)."""
    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"}, {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": path},
                       {"id": "_pages_location", "property": "search", "value": search}],
            "changedPropIds": ["_pages_location.pathname"]}
    response = client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.data[:300]
    return response.get_data(as_text=True)


def test_the_health_page_says_plainly_when_the_database_is_down(tmp_path):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "k"})
    client = create_app(settings, db_url=f"postgresql://tower:pw@127.0.0.1:{port}/tower").server.test_client()
    page = _render(client, "/health")
    assert "Unreachable" in page and "cannot reach the database" in page
    assert client.get("/orders").status_code == 302  # nobody can sign in, so pages send to /login


def test_a_page_layout_refuses_a_role_that_may_not_open_it(app_client):
    _login(app_client, "cs1")
    refused = _render(app_client, "/queues")
    assert "page-refused" in refused and "Customer service" in refused
    assert "page-refused" not in _render(app_client, "/orders")
