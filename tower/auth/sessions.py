"""Server-side web sessions: what makes signing out, a password change or a disabled user end
a session at once, and what enforces the idle timeout and the absolute lifetime.

The browser's (signed) Flask cookie carries only a random session id; the database keeps its
SHA-256, the user, and the times. Every request looks the session up (one indexed read, joined
with the user, which the request needed anyway); `last_seen_at` is written at most once per
`TOUCH_EVERY`, so a busy page does not cost a write per callback. The idle timeout is therefore
measured to within that minute.

Functions take `conn=` and never commit: the caller owns the transaction. Times come from the
caller (tower.clock.now() in the web app), so tests move the clock instead of sleeping.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from tower.auth.users import User
from tower.sqlfiles import load

Q = load(__file__, "sessions.sql")
TOUCH_EVERY = timedelta(minutes=1)
# Ended sessions are kept this long after their lifetime (who was signed in when), then deleted.
KEEP_ENDED = timedelta(days=30)


@dataclass(frozen=True)
class Policy:
    """How long a session lives: `idle` without a request, `lifetime` at most."""
    idle: timedelta = timedelta(minutes=60)
    lifetime: timedelta = timedelta(hours=12)


def hash_id(session_id: str) -> str:
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def create(*, conn: Connection, username: str, now: datetime, policy: Policy,
           user_agent: str = "", address: str = "") -> str:
    """Open a session for `username`; returns the session id for the cookie (never stored)."""
    session_id = secrets.token_urlsafe(32)
    conn.execute(Q["create"], {"id_hash": hash_id(session_id), "username": username, "now": now,
                               "expires_at": now + policy.lifetime, "user_agent": user_agent[:300],
                               "address": address[:100]})
    conn.execute(Q["forget_old"], {"before": now - KEEP_ENDED})
    return session_id


def load_user(*, conn: Connection, session_id: str, now: datetime, policy: Policy) -> User | None:
    """The user of an open session (not revoked, not idle too long, within its lifetime, user
    still active), or None. Moves the session's last-seen time if it is more than a minute old."""
    id_hash = hash_id(session_id)
    row = conn.execute(Q["load"], {"id_hash": id_hash, "now": now, "idle_since": now - policy.idle}).first()
    if row is None:
        return None
    if now - row.last_seen_at >= TOUCH_EVERY:
        conn.execute(Q["touch"], {"id_hash": id_hash, "now": now})
    return User(row.username, row.display_name, row.role,
                tuple(row.warehouses) if row.warehouses is not None else None, row.time_zone)


def revoke(*, conn: Connection, session_id: str, now: datetime, why: str = "signed out") -> None:
    """End one session (signing out)."""
    conn.execute(Q["revoke"], {"id_hash": hash_id(session_id), "now": now, "why": why})


def revoke_user(*, conn: Connection, username: str, now: datetime, why: str) -> int:
    """End every open session of `username` (password changed, user disabled); returns how many."""
    return conn.execute(Q["revoke_user"], {"username": username, "now": now, "why": why}).rowcount
