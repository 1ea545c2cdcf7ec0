"""The database's health for /health: reachable or not, schema version, rows per table.

`probe(url)` is the one data function that opens its own connection: its whole point is to
find out whether a connection can be made, and to say so in words when it cannot.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pandas as pd
import psycopg
import sqlalchemy as sa
from psycopg import sql
from sqlalchemy.engine import Connection

from tower.config import mask_url
from tower.db import DatabaseUnavailable, engine_for, explain_connect_error, raw
from tower.sqlfiles import load

Q = load(__file__, "health.sql")
EXACT_BELOW = 200_000


@dataclass
class Health:
    ok: bool
    message: str                      # one plain line: "connected" or what is wrong
    where: str                        # the database URL, password masked
    server_version: str | None = None
    schema_version: int | None = None
    migrations: pd.DataFrame = field(default_factory=pd.DataFrame)
    tables: pd.DataFrame = field(default_factory=pd.DataFrame)
    latency_ms: float | None = None


def migrations(*, conn: Connection) -> pd.DataFrame:
    """Applied migrations. One row per migration: version (int), name (str), applied_at (UTC)."""
    rows = conn.execute(Q["migrations"]).mappings().all()
    return pd.DataFrame(rows, columns=["version", "name", "applied_at"])


def row_counts(*, conn: Connection, exact_below: int = EXACT_BELOW) -> pd.DataFrame:
    """Rows per table of the schema. One row per table: table_name (str), row_count (int),
    estimated (bool: the planner's estimate rather than a count, for very large tables,
    since count(*) over ten million milestones would keep the health page waiting)."""
    tables = conn.execute(Q["tables"]).mappings().all()
    small = [t for t in tables if t["estimate"] < exact_below]
    exact: dict[str, int] = {}
    if small:
        # One statement counting every small table; names are quoted as identifiers, never
        # pasted in as text.
        union = sql.SQL(" UNION ALL ").join(
            sql.SQL("SELECT {name}, count(*) FROM {schema}.{table}").format(
                name=sql.Literal(t["table_name"]), schema=sql.Identifier(t["schema_name"]),
                table=sql.Identifier(t["table_name"]))
            for t in small)
        exact = dict(raw(conn).execute(union).fetchall())
    frame = pd.DataFrame(
        [{"table_name": t["table_name"], "row_count": exact.get(t["table_name"], t["estimate"]),
          "estimated": t["table_name"] not in exact} for t in tables],
        columns=["table_name", "row_count", "estimated"])
    return frame.astype({"row_count": "int64", "estimated": "bool"})


def probe(url: str, *, exact_below: int = EXACT_BELOW) -> Health:
    """Connect, and report what the health page shows; never raises for a database problem."""
    where = mask_url(url)
    started = time.perf_counter()
    try:
        with engine_for(url).connect() as conn:
            with conn.begin():
                server = conn.execute(Q["server"]).mappings().one()
                latency = (time.perf_counter() - started) * 1000
                try:
                    with conn.begin_nested():
                        applied = migrations(conn=conn)
                except sa.exc.ProgrammingError:
                    return Health(False, "connected, but the database has no tower schema: run `tower migrate`",
                                  where, server["server_version"], None, latency_ms=latency)
                counts = row_counts(conn=conn, exact_below=exact_below)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError, DatabaseUnavailable) as exc:
        return Health(False, explain_connect_error(exc, url), where)
    version = int(applied["version"].max()) if len(applied) else None
    return Health(True, "connected", where, server["server_version"], version, applied, counts, latency)


def reachable(url: str) -> bool:
    """Whether the database answers at all: what /health shows to those who may not see more
    (one trivial query, so an anonymous reload costs the server nothing)."""
    try:
        with engine_for(url).connect() as conn:
            conn.execute(sa.text("SELECT 1"))
        return True
    except (sa.exc.OperationalError, sa.exc.InterfaceError, psycopg.OperationalError, DatabaseUnavailable):
        return False
