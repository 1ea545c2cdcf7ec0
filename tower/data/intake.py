"""Milestones pushed by another system (POST /api/v1/milestones): validated with the store's
rules, written with tower.store.ingest (idempotent by source + source event id), and the
records it refuses kept as dead letters with their reason, all in the caller's transaction:
either the whole batch and its dead letters are stored, or nothing is."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from tower.store import dead_letters
from tower.store.ingest import ingest

SOURCE = "api"
STREAM = "milestones"


@dataclass
class Pushed:
    inserted: int
    duplicates: int
    parked: int
    rejected: list[tuple[int, str]] = field(default_factory=list)   # (index in the batch, reason)


def _key(index: int, record: Any) -> str:
    if isinstance(record, dict) and isinstance(record.get("source"), str) \
            and isinstance(record.get("source_event_id"), str):
        return f"{record['source'][:60]}:{record['source_event_id'][:200]}"
    digest = hashlib.sha256(json.dumps(record, default=str, sort_keys=True).encode()).hexdigest()[:16]
    return f"record:{digest}"


def push(*, conn: Connection, records: list[dict[str, Any]], by: str, now: datetime) -> Pushed:
    """Store `records` (tower's milestone shape); refused ones become dead letters of source
    'api', stream 'milestones', with the pusher's name in the reason."""
    for record in records:  # the channel for the timeline (tower.data.channels), in place: ids matter below
        attrs = record.setdefault("attrs", {})
        if isinstance(attrs, dict):
            attrs.setdefault("via", "api")
            attrs.setdefault("pushed_by", by)
    result = ingest(conn=conn, milestones=records)
    index_of = {id(r): i for i, r in enumerate(records)}
    rejected = [(index_of.get(id(r.record), -1), r.reason) for r in result.rejected]
    dead_letters.record(conn=conn, now=now, letters=[
        dead_letters.DeadLetter(SOURCE, STREAM, _key(i, records[i] if i >= 0 else None), records[i] if i >= 0 else None,
                                f"{reason} (pushed by {by})") for i, reason in rejected])
    return Pushed(result.inserted, result.duplicates, result.parked, sorted(rejected))
