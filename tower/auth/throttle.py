"""Brute-force protection for sign-in: failed attempts are counted per user name and per client
address over a sliding window, in Postgres so that every web process sees the same count.

An attempt is refused before the password is even checked while either count is at its limit;
refused attempts are not counted (a locked-out attacker who keeps trying does not extend the
lock for the real user). Unknown user names are counted exactly like known ones, so the throttle
tells nobody which names exist. A successful sign-in forgets that user's failures (not the
address's: one valid account must not reset the count for guessing others).

Functions take `conn=` and never commit: the caller owns the transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from tower.sqlfiles import load

Q = load(__file__, "throttle.sql")
_NAME_CHARS = 100  # what is stored of a typed user name (100k characters were accepted before)


@dataclass(frozen=True)
class Limits:
    window: timedelta = timedelta(minutes=15)
    per_user: int = 10
    per_address: int = 50


def _name(username: str) -> str:
    return (username or "").strip().lower()[:_NAME_CHARS]


def wait_minutes(*, conn: Connection, username: str, address: str, now: datetime, limits: Limits) -> int | None:
    """None if an attempt may go ahead now; else the whole minutes (at least 1) until it may.

    Holds a lock on the user name until the caller's transaction ends: record the failure (or
    success) in the same transaction."""
    conn.execute(Q["lock_user"], {"username": _name(username)})
    since = now - limits.window
    free_at = []
    for query, params, limit in (("user_free_at", {"username": _name(username)}, limits.per_user),
                                 ("address_free_at", {"address": address}, limits.per_address)):
        row = conn.execute(Q[query], {**params, "since": since, "window": limits.window,
                                      "skip": limit - 1}).first()
        if row is not None:
            free_at.append(row.free_at)
    if not free_at:
        return None
    return max(1, math.ceil((max(free_at) - now).total_seconds() / 60))


def record_failure(*, conn: Connection, username: str, address: str, now: datetime, limits: Limits) -> None:
    """Count a failed attempt (and drop failures that have left the window)."""
    conn.execute(Q["forget_old"], {"since": now - limits.window})
    conn.execute(Q["record"], {"username": _name(username), "address": address, "now": now})


def forget_user(*, conn: Connection, username: str) -> None:
    """A successful sign-in: that user's earlier failures no longer count."""
    conn.execute(Q["clear_user"], {"username": _name(username)})
