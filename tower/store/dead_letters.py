"""Dead letters: source records the collectors could not turn into milestones, with the reason.

Nothing is lost: the payload is kept as the source sent it, so `tower deadletters replay` can
map it again after a mapping fix. A record is keyed by (source, stream, record_key), so reading
the same bad record again (an overlap re-read) updates one row instead of adding another.
Functions never commit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Sequence

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "dead_letters.sql")
LIST_COLUMNS = ["dead_letter_id", "source", "stream", "record_key", "reason", "status",
                "retry_count", "first_seen_at", "last_seen_at", "payload"]


@dataclass(frozen=True)
class DeadLetter:
    source: str
    stream: str
    record_key: str
    payload: Any
    reason: str


def _payload_json(payload: Any) -> str:
    # The payload may hold anything a source sent (bad dates, odd types): keep it, as text if need be.
    return json.dumps(payload, default=str)


def record(*, conn: Connection, letters: Iterable[DeadLetter], now: datetime) -> int:
    """Upsert dead letters; returns how many were new (not seen before)."""
    new = 0
    for letter in letters:
        inserted = conn.execute(_Q["upsert"], {
            "source": letter.source, "stream": letter.stream, "record_key": letter.record_key,
            "payload": _payload_json(letter.payload), "reason": letter.reason[:2000], "now": now,
        }).scalar_one()
        new += bool(inserted)
    return new


def resolve_seen(*, conn: Connection, source: str, stream: str, keys: Sequence[str],
                 now: datetime) -> int:
    """Close open dead letters whose record has now been read and mapped successfully."""
    if not keys:
        return 0
    return conn.execute(_Q["resolve_seen"], {"source": source, "stream": stream,
                                             "keys": list(keys), "now": now}).rowcount


def supersede(*, conn: Connection, source: str, stream: str, keys: Sequence[str],
              now: datetime) -> int:
    """Close open dead letters of OLDER versions of records whose version key ("<entity>|<time>")
    is in `keys` (they mapped cleanly, and a newer version carries the older facts)."""
    pairs = [k.split("|", 1) for k in keys if "|" in k]
    if not pairs:
        return 0
    return conn.execute(_Q["supersede"], {"source": source, "stream": stream, "now": now,
                                          "entities": [p[0] for p in pairs],
                                          "versions": [p[1] for p in pairs]}).rowcount


def list_letters(*, conn: Connection, source: str | None = None, status: str | None = None,
                 limit: int = 1000) -> pd.DataFrame:
    """One row per dead letter, oldest first. Columns LIST_COLUMNS; payload is the parsed JSON;
    times tz-aware UTC."""
    rows = conn.execute(_Q["list"], {"source": source, "status": status, "limit": limit}).mappings().all()
    return pd.DataFrame(rows, columns=LIST_COLUMNS)


def counts(*, conn: Connection) -> pd.DataFrame:
    """One row per (source, stream, status): n int."""
    rows = conn.execute(_Q["counts"]).mappings().all()
    return pd.DataFrame(rows, columns=["source", "stream", "status", "n"])


def take_for_replay(*, conn: Connection, ids: Sequence[int] | None = None,
                    source: str | None = None, after: int = 0, limit: int = 500) -> list[dict[str, Any]]:
    """Open dead letters to replay, locked for this transaction (SKIP LOCKED so two replays
    never take the same letter). Page with `after` = the last id returned."""
    rows = conn.execute(_Q["take_for_replay"], {"ids": list(ids) if ids else None, "source": source,
                                                "after": after, "limit": limit}).mappings().all()
    return [dict(r) for r in rows]


def mark_replayed(*, conn: Connection, dead_letter_id: int, now: datetime) -> None:
    conn.execute(_Q["mark_replayed"], {"dead_letter_id": dead_letter_id, "now": now})


def bump_retry(*, conn: Connection, dead_letter_id: int, reason: str, now: datetime) -> None:
    """A replay that failed again: count it and keep the newest reason."""
    conn.execute(_Q["bump_retry"], {"dead_letter_id": dead_letter_id, "reason": reason[:2000], "now": now})


def request_replay(*, conn: Connection, ids: Sequence[int], by: str, now: datetime) -> int:
    """Mark open dead letters for the collector process to replay (its dead-letter job takes
    them within seconds); returns how many were marked (letters no longer open are skipped)."""
    return conn.execute(_Q["request_replay"], {"ids": list(ids), "by": by, "now": now}).rowcount


def requested_replays(*, conn: Connection, limit: int = 500) -> list[int]:
    """Ids of open dead letters marked for replay, in the order they were asked for."""
    return list(conn.execute(_Q["requested_replays"], {"limit": limit}).scalars())
