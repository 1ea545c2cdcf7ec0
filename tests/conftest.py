"""Test fixtures: one real Postgres per test run, one fresh database per test.

The suite starts its own embedded Postgres (the same `tower.pg.Cluster` that `tower run` uses)
in a temporary folder, migrates a template database once, and gives each test that asks for
`db_url` / `engine` its own database cloned from the template (CREATE DATABASE ... TEMPLATE),
so tests are isolated even when they commit or run several processes. Set
TOWER_TEST_DATABASE_URL to run against an existing server instead (its user must be allowed
to create databases).
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
import uuid
from pathlib import Path

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tower.db import libpq_url, make_engine
from tower.migrate import migrate

TEMPLATE = "tower_template"
SHARED_DATA = Path(os.environ.get("TOWER_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
_counter = itertools.count()


def _with_db(url: str, name: str) -> str:
    base, _, _ = libpq_url(url).rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """URL of a maintenance database on the test server (started here unless given)."""
    given = os.environ.get("TOWER_TEST_DATABASE_URL")
    if given:
        yield _with_db(given, "postgres")
        return
    from tower.pg import Cluster

    # Not under pytest's own tmp folder: pytest makes that private (0700) at every start,
    # and the server runs as an unprivileged user when the tests run as root.
    home = Path(tempfile.mkdtemp(prefix="tower-test-pg-"))
    cluster = Cluster(home / "data")
    url = cluster.start()
    yield _with_db(url, "postgres")
    cluster.destroy()
    shutil.rmtree(home, ignore_errors=True)


def _admin(server_url: str) -> psycopg.Connection:
    return psycopg.connect(server_url, autocommit=True)


@pytest.fixture(scope="session")
def template_url(server_url: str) -> str:
    name = f"{TEMPLATE}_{uuid.uuid4().hex[:8]}"
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = _with_db(server_url, name)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _clone(server_url: str, template_url: str) -> tuple[str, str]:
    name = f"t{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    template = template_url.rsplit("/", 1)[1]
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return name, _with_db(server_url, name)


@pytest.fixture
def db_url(server_url: str, template_url: str) -> str:
    """A fresh, migrated database for this test alone."""
    name, url = _clone(server_url, template_url)
    yield url
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def empty_db_url(server_url: str) -> str:
    """A fresh database with no schema at all (for migration tests)."""
    name = f"e{os.getpid()}_{next(_counter)}_{uuid.uuid4().hex[:6]}"
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    yield _with_db(server_url, name)
    with _admin(server_url) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def engine(db_url: str) -> sa.Engine:
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def shared_data() -> Path:
    """The read-only public data beside the checkout (TOWER_SHARED_DATA overrides)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared data not found at {SHARED_DATA}: set TOWER_SHARED_DATA to the shared/data folder")
    return SHARED_DATA
