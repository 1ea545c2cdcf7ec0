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


def _url(read: bool) -> str:
    config = current_app.config
    return (config.get("TOWER_READ_DB_URL") if read else None) or config["TOWER_DB_URL"]


class ReadTooSlow(RuntimeError):
    """A read ran past its time budget and was stopped; the page says so in words."""


@contextmanager
def reading(*, timeout_ms: int = READ_TIMEOUT_MS) -> Iterator[Connection]:
    """A read-only transaction whose statements are each stopped after `timeout_ms`
    (raises ReadTooSlow then, so that pages need not know the driver's errors)."""
    try:
        with engine_for(_url(True)).connect() as conn:
            with conn.begin():
                conn.execute(sa.text("SET TRANSACTION READ ONLY"))
                conn.execute(sa.text("SELECT set_config('statement_timeout', :ms, true)"),
                             {"ms": str(int(timeout_ms))})
                yield conn
    except sa.exc.OperationalError as exc:
        if isinstance(exc.orig, psycopg.errors.QueryCanceled):
            raise ReadTooSlow(f"a read took longer than {timeout_ms / 1000:g} s and was stopped") from exc
        raise


@contextmanager
def writing() -> Iterator[Connection]:
    with engine_for(_url(False)).begin() as conn:
        yield conn


def database_url() -> str:
    return _url(False)
