"""The notification outbox: events to route, deliveries to send, their outcome (never commits).

Events are written by a trigger on `exception_events` in the transaction that changes the
exception (migration 0017). The background process (tower/notify/dispatch.py) claims them,
routes them by the policy, and attaches each to a delivery: an alert still collecting for the
same recipient (storm control, quiet hours) or a new one. Deliveries are claimed when due,
sent, and recorded as sent, retried later, or dead (a dead letter, replayable).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "notifications.sql")


def claim_events(*, conn: Connection, limit: int = 1000) -> list[dict[str, Any]]:
    """Up to `limit` events not routed yet, oldest first, locked for this transaction."""
    return [dict(r) for r in conn.execute(_Q["claim_events"], {"limit": limit}).mappings()]


def mark_routed(*, conn: Connection, outcomes: dict[int, str], now: datetime) -> None:
    """Record what routing did with each event (in words)."""
    if outcomes:
        conn.execute(_Q["mark_routed"], {"ids": list(outcomes), "outcomes": list(outcomes.values()), "now": now})


def attach(*, conn: Connection, channel: str, target: str, team: str | None, rule: str,
           event_ids: Sequence[int], earliest: datetime, send_after: datetime, now: datetime,
           room: int | None = None) -> int:
    """Put events on an alert to (channel, target): one still collecting that they may join
    (`notifications.sql` joinable), else a new one due at `send_after`. Returns its id."""
    found = conn.execute(_Q["joinable"], {"channel": channel, "target": target, "earliest": earliest,
                                          "send_after": send_after, "room": room,
                                          "n": len(event_ids)}).scalar()
    if found is None:
        found = conn.execute(_Q["new_delivery"], {
            "purpose": "alert", "channel": channel, "target": target, "team": team, "rule": rule,
            "now": now, "earliest": earliest, "send_after": send_after, "content": None,
            "digest_key": None}).scalar_one()
    conn.execute(_Q["link_events"], {"delivery_id": found, "event_ids": list(event_ids)})
    return int(found)


def add_digest(*, conn: Connection, team: str, key: str, channel: str, target: str,
               content: dict[str, Any], now: datetime) -> int | None:
    """A digest delivery, once per `key` (team, day, recipient); None if it exists already."""
    return conn.execute(_Q["new_delivery"], {
        "purpose": "digest", "channel": channel, "target": target, "team": team, "rule": "digest",
        "now": now, "earliest": now, "send_after": now, "content": json.dumps(content, default=str),
        "digest_key": key}).scalar()


def digest_made(*, conn: Connection, prefix: str) -> bool:
    """Whether any digest delivery's key starts with `prefix` (a team's day)."""
    return conn.execute(_Q["digest_made"], {"prefix": prefix}).first() is not None


def claim_due(*, conn: Connection, now: datetime, lease_until: datetime, limit: int = 20) -> list[dict[str, Any]]:
    """Claim deliveries due at `now` until `lease_until` (commit at once, then send outside a
    transaction); other senders skip them, and no event joins them any more. A claim that
    lapses (its sender died) makes the delivery due again."""
    return [dict(r) for r in conn.execute(_Q["claim_due"], {"now": now, "lease_until": lease_until,
                                                            "limit": limit}).mappings()]


def delivery_events(*, conn: Connection, delivery_id: int) -> list[dict[str, Any]]:
    """The events an alert carries, in the order they happened."""
    return [dict(r) for r in conn.execute(_Q["delivery_events"], {"delivery_id": delivery_id}).mappings()]


def record_sent(*, conn: Connection, delivery_id: int, now: datetime) -> None:
    conn.execute(_Q["sent"], {"delivery_id": delivery_id, "now": now})


def record_failure(*, conn: Connection, delivery_id: int, now: datetime, error: str,
                   retry_at: datetime | None) -> str | None:
    """A failed attempt: retried at `retry_at`, or dead when None. Returns the new status
    (None: the delivery was no longer pending, e.g. another sender finished it)."""
    found = conn.execute(_Q["failed"], {"delivery_id": delivery_id, "now": now,
                                        "error": error[:2000], "retry_at": retry_at}).scalar()
    return None if found is None else str(found)


def replay(*, conn: Connection, delivery_ids: Sequence[int], actor: str, now: datetime) -> int:
    """Dead deliveries back to the outbox, due now; returns how many."""
    ids = [int(i) for i in delivery_ids]
    if not ids:
        return 0
    return max(conn.execute(_Q["replay"], {"ids": ids, "actor": actor, "now": now}).rowcount, 0)


def purge(*, conn: Connection, before: datetime, limit: int = 50_000) -> tuple[int, int]:
    """Forget sent deliveries and routed events older than `before` (dead letters stay);
    returns (deliveries, events) removed."""
    row = conn.execute(_Q["purge"], {"before": before, "limit": limit}).one()
    return int(row.deliveries), int(row.events)
