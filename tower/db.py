"""Engine and connection helpers, and the translation of driver errors into plain messages.

Every store and data function takes a SQLAlchemy `Connection` from its caller (`conn=`); the
caller owns the transaction (`with engine.begin() as conn:`). Functions that need COPY reach
the psycopg connection underneath with `raw(conn)`, inside the same transaction.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from tower.config import Settings, mask_url

MIN_SERVER_VERSION = 150000


class DatabaseUnavailable(RuntimeError):
    """The database cannot be used; the message is one plain line saying what to do."""


def sqlalchemy_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql+psycopg://", url)


def libpq_url(url: str) -> str:
    return re.sub(r"^postgres(ql)?(\+psycopg)?://", "postgresql://", url)


def resolve_url(settings: Settings, start_embedded: bool = True) -> str:
    """The database URL: TOWER_DATABASE_URL, or the embedded cluster's (started if needed)."""
    if settings.database_url:
        return settings.database_url
    from tower.pg import Cluster, ClusterError

    cluster = Cluster(settings.pg_dir)
    try:
        return cluster.start() if start_embedded else cluster.url()
    except ClusterError as exc:
        raise DatabaseUnavailable(str(exc)) from None


def make_engine(url: str, *, pool_size: int = 5, max_overflow: int = 10, app: str = "tower",
                pre_ping: bool = True) -> Engine:
    return sa.create_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_pre_ping=pre_ping,
        connect_args={"connect_timeout": 5, "application_name": app},
    )


def explain_connect_error(exc: BaseException, url: str) -> str:
    """One line a person can act on, for a failed connection."""
    text = str(getattr(exc, "orig", exc) or exc)
    where = mask_url(url)
    if "password authentication failed" in text:
        return f"the database at {where} refused the user or password: check TOWER_DATABASE_URL"
    if "does not exist" in text and "database" in text:
        return f"the database named in {where} does not exist: create it (createdb) or fix TOWER_DATABASE_URL"
    if "Connection refused" in text or "could not connect" in text or "timeout" in text.lower() \
            or "No route" in text or "Name or service not known" in text or "failed to resolve" in text:
        return f"cannot reach the database at {where}: is the server running and the address right?"
    return f"cannot use the database at {where}: {text.strip().splitlines()[0] if text.strip() else type(exc).__name__}"


def check_server(engine: Engine) -> int:
    """Connect once and check the server version; returns server_version_num."""
    url = libpq_url(engine.url.render_as_string(hide_password=False))
    try:
        with engine.connect() as conn:
            version = int(conn.execute(sa.text("SHOW server_version_num")).scalar_one())
    except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError) as exc:
        raise DatabaseUnavailable(explain_connect_error(exc, url)) from None
    if version < MIN_SERVER_VERSION:
        raise DatabaseUnavailable(
            f"the database at {mask_url(url)} runs Postgres {version // 10000}; tower needs 15 or newer"
        )
    return version


def raw(conn: Connection) -> psycopg.Connection:
    """The psycopg connection under a SQLAlchemy connection, in the same transaction."""
    return conn.connection.driver_connection  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    return make_engine(url)


def engine_for(url: str) -> Engine:
    """A process-wide engine per URL (web workers share one pool)."""
    return _engine_for(url)


@lru_cache(maxsize=8)
def autocommit_engine_for(url: str) -> Engine:
    """A process-wide engine per URL for single durable statements on a hot path (the webhook
    acknowledgement): autocommit, so one statement is one round trip, committed when it returns;
    no pre-ping round trip on checkout (the caller retries once on a connection found dead)."""
    return make_engine(url, pre_ping=False, app="tower-hooks").execution_options(isolation_level="AUTOCOMMIT")


def scalar(cur: psycopg.Cursor[Any]) -> Any:
    """The first column of the row a statement just returned (it must return one)."""
    row = cur.fetchone()
    if row is None:
        raise RuntimeError("the statement returned no row")
    return row[0]
