"""The orders whose projections wait: `project_queued` projects a chunk of them, in the caller's
transaction.

The collector queues the orders a backlog page touched (ingest with `defer_projection`) instead
of projecting them under their locks page by page; see migration 0027 for why. A drain
(collectors/projector.py) calls `project_queued` chunk by chunk, each in its own transaction:
the queue rows of the chunk's orders are deleted and every projection of those orders is
recomputed from all their milestones with ingest's own statements
(tower.store.ingest.project_touched: same locks, same dirty marks, same order-independent
result), so a failure puts the rows back with the rollback. Drains in several threads or
processes take turns, a chunk each (a transaction-level lock), and never deadlock with an
ingest (the order locks are taken in sorted order, as every ingest does).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.store.errors import DRIVER_ERRORS, translate
from tower.store.ingest import _INGEST, project_touched

_Q = sqlfiles.load_psycopg(__file__, "projection_queue.sql")
CHUNK = 2000  # the orders of this many queue rows per transaction (each order is locked to the commit)


@dataclass(frozen=True)
class Depth:
    orders: int                      # distinct orders waiting
    oldest: datetime | None          # when the oldest waiting row was queued


def project_queued(*, conn: Connection, upto: int, limit: int = CHUNK) -> int:
    """Take the orders of the oldest `limit` queue rows with an id up to `upto` (with all their
    rows up to `upto`) and project them; returns the number of orders projected (0: no row is
    left up to `upto`)."""
    try:
        pg = raw(conn)
        with pg.cursor() as cur:
            cur.execute(_INGEST["create_stage"])
            cur.execute(_Q["drain_lock"])
            cur.execute(_Q["take"], {"upto": upto, "limit": limit})
            orders = cur.rowcount
            if orders <= 0:
                return 0
            project_touched(cur)
    except DRIVER_ERRORS as exc:
        raise translate(exc) from exc
    return orders


def head(*, conn: Connection) -> int | None:
    """The id of the newest queued row (None: the queue is empty)."""
    with raw(conn).cursor() as cur:
        cur.execute(_Q["head"])
        row = cur.fetchone()
    return row[0] if row else None


def depth(*, conn: Connection) -> Depth:
    with raw(conn).cursor() as cur:
        cur.execute(_Q["depth"])
        row = cur.fetchone()
    return Depth(int(row[0]), row[1]) if row else Depth(0, None)
