"""The change feed: which orders and exceptions changed, in commit-safe order, after a cursor.

Rows are written by triggers in the changing transaction (sql/migrations/0016_change_feed.sql)
and read only once every transaction that could still add rows behind them has ended
(txid below pg_snapshot_xmin), so a reader that keeps the cursor of the last row it handled
misses nothing, across restarts; it may see a row again only if it did not keep the cursor
(at least once). A limited `scope` sees its warehouses' changes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from tower.data.scope import Scope
from tower.sqlfiles import load

Q = load(__file__, "changes.sql")
START = (0, 0)  # before the first change


@dataclass(frozen=True)
class Change:
    txid: int
    change_id: int
    entity: str       # "order" | "exception"
    entity_id: str
    changed_at: datetime


class CursorExpired(ValueError):
    """The cursor lies behind the retained feed (TOWER_CHANGE_FEED_KEEP_DAYS): changes after it
    may have been deleted, so the reader must resync (read the current state, start anew)."""


def horizon(*, conn: Connection) -> tuple[int, int] | None:
    """Where the retained feed begins: the last position deleted by retention, or None."""
    row = conn.execute(Q["horizon"]).first()
    return (int(row.txid), int(row.change_id)) if row else None


def since(after: tuple[int, int], *, conn: Connection, scope: Scope, limit: int) -> list[Change]:
    """Up to `limit` changes after the cursor `after` = (txid, change_id), oldest first.
    START reads from the oldest change kept; any other cursor behind the retention horizon
    raises CursorExpired."""
    edge = horizon(conn=conn)
    if edge is not None and after != START and after < edge:
        raise CursorExpired("the cursor is older than the retained change feed")
    rows = conn.execute(Q["since"], {"after_txid": str(after[0]), "after_id": after[1], "limit": limit,
                                     "warehouses": scope.param()}).all()
    return [Change(int(r.txid), int(r.change_id), r.entity, r.entity_id, r.changed_at) for r in rows]
