"""The webhook inbox: raw pushed events kept durably, once per (provider, event id), until the
collector process maps them. Functions never commit."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "webhook_inbox.sql")
STATUSES = ("new", "done", "dead")


def insert(*, conn: Connection, provider: str, event_id: str, body: str, now: datetime) -> bool:
    """Store one event; False if this provider's event id was already received (a replay)."""
    return conn.execute(_Q["insert"], {"provider": provider, "event_id": event_id, "body": body,
                                       "now": now}).scalar_one_or_none() is not None


def insert_many(*, conn: Connection, events: Sequence[tuple[str, str, str, datetime]]) -> set[tuple[str, str]]:
    """Store (provider, event_id, body, received_at) events in one statement, in the order
    given; returns the (provider, event_id) keys that were new (not received before)."""
    if not events:
        return set()
    rows = conn.execute(_Q["insert_many"], {"providers": [e[0] for e in events], "event_ids": [e[1] for e in events],
                                            "bodies": [e[2] for e in events], "times": [e[3] for e in events]})
    return {(r.provider, r.event_id) for r in rows}


def take_new(*, conn: Connection, limit: int = 500) -> list[dict[str, Any]]:
    """The oldest unmapped events, locked for this transaction (SKIP LOCKED: two workers never
    take the same event)."""
    return [dict(r) for r in conn.execute(_Q["take_new"], {"limit": limit}).mappings().all()]


def mark(*, conn: Connection, ids: Sequence[int], status: str, now: datetime, error: str | None = None) -> None:
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}, got {status!r}")
    if ids:
        conn.execute(_Q["mark"], {"ids": list(ids), "status": status, "now": now, "error": error})


def counts(*, conn: Connection) -> dict[str, int]:
    return {r["status"]: int(r["n"]) for r in conn.execute(_Q["counts"]).mappings().all()}
