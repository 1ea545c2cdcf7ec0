"""The queue snapshot job: every minute the collector process records, per warehouse x stage,
how many orders are open and how old the oldest is (queue_snapshots), for the 24-hour trends
on /queues.

`take_snapshot` first brings the analytics read models up to date (tower.kpis.facts.refresh:
stage entry times, KPI facts), so the ages it records and the pages read are current; it
also drops snapshots older than the retention. Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from tower.kpis import facts
from tower.rules.policy import Policy
from tower.sqlfiles import load

_Q = load(__file__, "snapshots.sql")
RETENTION = timedelta(days=35)


def take_snapshot(*, conn: Connection, now: datetime, policy: Policy, refresh_limit: int = 10000) -> int:
    """Refresh the analytics facts (up to `refresh_limit` changed orders and exceptions: about
    15 s on a busy two-core machine; a backfill catches up over the next runs), then write one
    queue_snapshots row per (warehouse, open stage) with open orders, taken at `now`.
    Returns the number of snapshot rows written (0 if a snapshot at `now` exists)."""
    facts.refresh(conn=conn, now=now, policy=policy, limit=refresh_limit)
    written = conn.execute(_Q["snapshot"], {"now": now}).rowcount
    conn.execute(_Q["prune"], {"before": now - RETENTION})
    return max(written, 0)
