"""/health tells anyone whether tower is up, and only admins where and what it runs on."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from tests.auth.test_auth_and_guard import _login, _render
from tower import config
from tower.app import create_app
from tower.auth import users


@pytest.fixture
def client(engine, db_url, tmp_path):
    with engine.begin() as conn:
        users.add(conn=conn, username="admin1", password="correct horse", role="admin")
        users.add(conn=conn, username="cs1", password="correct horse", role="cs")
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key"})
    return create_app(settings, db_url=db_url).server.test_client()


def _secrets_of(db_url: str) -> list[str]:
    parts = urlsplit(db_url)
    return [str(parts.port), parts.hostname or "", "postgresql", "PostgreSQL", "Schema version", "orders"]


def test_an_anonymous_visitor_sees_up_and_nothing_about_where_or_what(client, db_url):
    page = _render(client, "/health")
    assert "Connected" in page
    for secret in _secrets_of(db_url):
        assert secret not in page, secret


def test_a_signed_in_user_who_is_not_an_admin_sees_no_more(client, db_url):
    _login(client, "cs1")
    page = _render(client, "/health")
    assert "Connected" in page
    for secret in _secrets_of(db_url):
        assert secret not in page, secret


def test_an_admin_sees_the_schema_row_counts_and_a_masked_address(client, db_url):
    _login(client, "admin1")
    page = _render(client, "/health")
    assert "Schema version" in page and "health-row-counts" in page
    assert str(urlsplit(db_url).port) in page
    password = urlsplit(db_url).password
    assert password and password not in page and "***" in page
