"""A second fresh database for a test (an export read back into an empty store)."""

from __future__ import annotations

import pytest
from psycopg import sql

from tests.conftest import _admin, _clone


@pytest.fixture
def other_db_url(server_url: str, template_url: str) -> str:
    name, url = _clone(server_url, template_url)
    yield url
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
