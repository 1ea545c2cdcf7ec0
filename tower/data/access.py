"""Connections for pages and callbacks, so that pages never touch SQLAlchemy themselves.

The web app keeps the database URL in the Flask config (create_app puts it there); one engine
per process and URL (tower.db.engine_for) is shared by every request.

    from tower.data.access import reading, writing
    with reading() as conn:                  # a read-only transaction (replica if configured)
        frame = orders.search(text, conn=conn, scope=current.scope())
    with writing() as conn:                  # one transaction, committed when the block ends
        act(conn=conn, exception_ids=[...], ...)
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import psycopg
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import Connection

from tower.db import engine_for

# A page that hangs on one slow query ties up a waitress thread; cut reads off well before
# a person gives up on the page.
READ_TIMEOUT_MS = 15000
_READ_ONLY = sa.text("SELECT set_config('transaction_read_only', 'on', true), "
                     "set_config('statement_timeout', :ms, true)")


def _url(read: bool) -> str:
    config = current_app.config
    return (config.get("TOWER_READ_DB_URL") if read else None) or config["TOWER_DB_URL"]


class SlowRead(RuntimeError):
    """A page read got no answer: stopped at its time budget (the database is busy), or its
    connection was lost (the database restarting or dropping connections). The page may show
    its last good figures; the next read gets a fresh connection (the pool pings first)."""


class ReadTooSlow(SlowRead):
    """A read ran past its time budget and was stopped; the page says so in words."""


@contextmanager
def reading(*, timeout_ms: int = READ_TIMEOUT_MS) -> Iterator[Connection]:
    """A read-only transaction whose statements are each stopped after `timeout_ms` (raises
    ReadTooSlow then, SlowRead when the connection is lost, so that pages need not know the
    driver's errors)."""
    try:
        with engine_for(_url(True)).connect() as conn:
            with conn.begin():
                # One round trip for both (SET TRANSACTION READ ONLY is transaction_read_only).
                conn.execute(_READ_ONLY, {"ms": str(int(timeout_ms))})
                yield conn
    except sa.exc.DBAPIError as exc:
        # Classified here so that pages can answer a slow read without knowing the driver.
        if isinstance(exc.orig, psycopg.errors.QueryCanceled):
            raise ReadTooSlow(f"a read took longer than {timeout_ms / 1000:g} s and was stopped") from exc
        if exc.connection_invalidated or isinstance(exc, sa.exc.OperationalError):
            raise SlowRead(f"the database connection was lost: {str(exc.orig).strip()[:200]}") from exc
        raise


@contextmanager
def writing() -> Iterator[Connection]:
    with engine_for(_url(False)).begin() as conn:
        yield conn


def database_url() -> str:
    return _url(False)
