"""The change feed's retention (the rows themselves are written by triggers, migration 0016).

`prune` runs in the collector process (collectors/scheduler.py, once a minute); readers learn
from tower.data.changes.horizon where the retained feed begins. Functions never commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "change_feed.sql")


def prune(*, conn: Connection, before: datetime, now: datetime) -> int:
    """Delete the feed up to the newest position among rows changed before `before`, and keep
    that position as the horizon (a cursor behind it must resync). Returns rows deleted."""
    return int(conn.execute(_Q["prune"], {"before": before, "now": now}).scalar_one())
