"""Outbound notifications for /integrations: the outbox per channel, dead letters, replay.

Replay only marks: the dead delivery goes back to the outbox, and the background process sends
it (the web process never sends anything).
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load
from tower.store import notifications as outbox

_Q = load(__file__, "notifications.sql")
DEAD_COLUMNS = ["delivery_id", "purpose", "channel", "target", "team_id", "rule", "attempts", "reason",
                "created_at", "last_attempt_at", "replays", "events"]
SUMMARY_COLUMNS = ["channel", "pending", "retrying", "sent_24h", "dead", "last_sent_at"]


def dead_letters(*, conn: Connection, limit: int = 200) -> pd.DataFrame:
    """One row per dead delivery (DEAD_COLUMNS), newest failure first: reason is the last
    attempt's error in words; times are aware UTC; events is how many exception events it carries."""
    rows = conn.execute(_Q["dead_letters"], {"limit": limit}).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=DEAD_COLUMNS)


def summary(*, conn: Connection, now: datetime) -> pd.DataFrame:
    """One row per channel (email, webhook): SUMMARY_COLUMNS, counts int, last_sent_at aware or None."""
    rows = conn.execute(_Q["summary"], {"now": now}).mappings().all()
    return pd.DataFrame([dict(r) for r in rows], columns=SUMMARY_COLUMNS)


def replay(*, conn: Connection, delivery_ids: Sequence[int], actor: str, now: datetime) -> int:
    """Put dead deliveries back in the outbox (sent by the background process); how many."""
    return outbox.replay(conn=conn, delivery_ids=delivery_ids, actor=actor, now=now)
