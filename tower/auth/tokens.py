"""API tokens: made for a user with a set of scopes, shown once, stored as a sha256 hash.

    made = tokens.create(conn=conn, username="erp-bot", scopes=["orders:read"], by="admin", now=now)
    made.secret                                        # "tower_..."; never stored, never shown again
    caller = tokens.authenticate(conn=conn, secret=bearer, now=now)   # Caller or None

A token never has more than its user: `Caller.scopes` is the token's scopes limited to what the
user's role may do (`ROLE_ALLOWS`), and its warehouse scope is the user's
(tower.auth.current.scope_of, the same function the pages use). Functions take `conn=` and
never commit: the caller owns the transaction.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from tower.auth import roles
from tower.auth.users import User
from tower.sqlfiles import load

Q = load(__file__, "tokens.sql")
PREFIX = "tower_"
SCOPES: dict[str, str] = {
    "orders:read": "read orders, queues and the change feed",
    "exceptions:read": "read exceptions and teams",
    "exceptions:act": "acknowledge, assign, comment on, snooze, resolve and reopen exceptions",
    "milestones:write": "push milestones (POST /api/v1/milestones)",
    "kpis:read": "read KPI values and definitions",
    "integrations:read": "read stream health, dead letters and incidents",
    "admin": "every scope the user's role allows",
}
# The page whose audience decides which roles may hold a scope (tower/auth/roles.py), so the
# API can never show a role what its pages would not.
_SCOPE_PAGE = {"orders:read": "orders", "exceptions:read": "exceptions", "exceptions:act": "exceptions",
               "kpis:read": "kpis", "integrations:read": "integrations"}
# Writing facts into the store is an integration's job, set up by an administrator.
_WRITERS = frozenset({"admin"})


class TokenInputError(ValueError):
    """A token request is invalid; the message says what to fix."""


def role_allows(role: str | None) -> frozenset[str]:
    """The scopes a user of `role` may use."""
    if role is None:
        return frozenset()
    allowed = {s for s, page in _SCOPE_PAGE.items() if roles.may_open(role, page)}
    if role in _WRITERS:
        allowed.add("milestones:write")
    if role == "admin":
        allowed.add("admin")
    return frozenset(allowed)


@dataclass(frozen=True)
class Made:
    token_id: int
    secret: str


@dataclass(frozen=True)
class Caller:
    token_id: int
    user: User
    scopes: frozenset[str]   # already limited to the user's role

    def may(self, scope: str) -> bool:
        return scope in self.scopes or ("admin" in self.scopes and scope in role_allows(self.user.role))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


def create(*, conn: Connection, username: str, scopes: list[str], by: str, now: datetime,
           expires_at: datetime | None = None, label: str = "") -> Made:
    """A new token for an active user; raises TokenInputError for an unknown user or scope,
    a scope the user's role may not hold, or an expiry in the past."""
    from tower.auth import users

    user = users.get(conn=conn, username=username)
    if user is None:
        raise TokenInputError(f"no active user {username!r}")
    wanted = sorted(set(scopes))
    if not wanted:
        raise TokenInputError(f"give at least one scope: {', '.join(SCOPES)}")
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise TokenInputError(f"unknown scope {', '.join(unknown)}; use {', '.join(SCOPES)}")
    beyond = [s for s in wanted if s not in role_allows(user.role)]
    if beyond:
        raise TokenInputError(f"the {user.role} role of {username} may not hold {', '.join(beyond)}")
    if expires_at is not None and (expires_at.tzinfo is None or expires_at <= now):
        raise TokenInputError("the expiry must be a time with a zone, in the future")
    secret = PREFIX + secrets.token_urlsafe(32)
    token_id = conn.execute(Q["insert"], {"username": user.username, "label": label[:200], "scopes": wanted,
                                          "token_hash": hash_secret(secret), "now": now, "created_by": by,
                                          "expires_at": expires_at}).scalar_one()
    return Made(int(token_id), secret)


def authenticate(*, conn: Connection, secret: str, now: datetime) -> Caller | None:
    """The caller a bearer secret stands for, or None when it is unknown, revoked, expired or
    its user is inactive. Records the last-used time (at most once a minute per token)."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    row = conn.execute(Q["by_hash"], {"token_hash": hash_secret(secret)}).first()
    if row is None or not row.active or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= now:
        return None
    conn.execute(Q["touch"], {"token_id": row.token_id, "now": now})
    user = User(row.username, "", row.role, tuple(row.warehouses) if row.warehouses is not None else None)
    return Caller(int(row.token_id), user, frozenset(row.scopes) & role_allows(row.role))


def revoke(*, conn: Connection, token_id: int, by: str, now: datetime) -> bool:
    """True if the token was live and is revoked now."""
    return conn.execute(Q["revoke"], {"token_id": token_id, "by": by, "now": now}).rowcount > 0


def list_tokens(*, conn: Connection) -> pd.DataFrame:
    """Every token (never its secret): token_id, username, label, scopes, created_at,
    created_by, expires_at, revoked_at, revoked_by, last_used_at."""
    rows = conn.execute(Q["list_all"]).mappings().all()
    return pd.DataFrame(rows, columns=["token_id", "username", "label", "scopes", "created_at", "created_by",
                                       "expires_at", "revoked_at", "revoked_by", "last_used_at"])
