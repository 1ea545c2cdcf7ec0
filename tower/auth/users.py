"""Users who sign in: lookup, password check, creation and the demo users `tower run` prints.

Passwords are hashed with werkzeug.security (scrypt with a per-password salt); a plain password
is never stored or logged. Functions take `conn=` and never commit: the caller owns the
transaction.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd
from sqlalchemy.engine import Connection
from werkzeug.security import check_password_hash, generate_password_hash

from tower import clock
from tower.auth.roles import ROLES
from tower.sqlfiles import load

Q = load(__file__, "users.sql")
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,62}$")

# A hash to compare against when the user does not exist, so that a wrong user name takes as
# long as a wrong password (no user-name probing by timing).
_DUMMY_HASH = generate_password_hash("not-a-real-password")


class UserInputError(ValueError):
    """A user definition is invalid; the message says what to fix."""


@dataclass(frozen=True)
class User:
    username: str
    display_name: str
    role: str
    warehouses: tuple[str, ...] | None  # None: every warehouse
    time_zone: str = "UTC"

    @property
    def label(self) -> str:
        return self.display_name or self.username

    def sees_warehouse(self, warehouse: str | None) -> bool:
        return self.warehouses is None or warehouse in self.warehouses


# (username, display name, role, warehouses) of the demo users.
DEMO_USERS: tuple[tuple[str, str, str, tuple[str, ...] | None], ...] = (
    ("cs", "Casey (customer service)", "cs", None),
    ("supervisor", "Sam (warehouse supervisor)", "supervisor", None),
    ("supervisor.dal", "Dana (supervisor, DAL-1 only)", "supervisor", ("DAL-1",)),
    ("finance", "Frankie (finance)", "finance", None),
    ("executive", "Eli (executive)", "executive", None),
    ("admin", "Ari (administrator)", "admin", None),
)


def _row_to_user(row) -> User:
    return User(row.username, row.display_name, row.role,
                tuple(row.warehouses) if row.warehouses is not None else None, row.time_zone)


def get(*, conn: Connection, username: str) -> User | None:
    """The active user with this name, or None."""
    row = conn.execute(Q["get"], {"username": username}).first()
    if row is None or not row.active:
        return None
    return _row_to_user(row)


def authenticate(*, conn: Connection, username: str, password: str) -> User | None:
    """The user if the password matches (and records the sign-in time), else None."""
    row = conn.execute(Q["get"], {"username": (username or "").strip().lower()}).first()
    if row is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(row.password_hash, password or "") or not row.active:
        return None
    conn.execute(Q["touch_login"], {"username": row.username, "at": clock.now()})
    return _row_to_user(row)


def _validate(username: str, role: str, time_zone: str, password: str) -> None:
    if not _NAME.match(username):
        raise UserInputError(
            f"user name {username!r} must be 2-63 characters of a-z, 0-9, '.', '_' or '-'")
    if role not in ROLES:
        raise UserInputError(f"role must be one of {', '.join(ROLES)}, got {role!r}")
    if len(password) < 8:
        raise UserInputError("a password needs at least 8 characters")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise UserInputError(f"unknown time zone {time_zone!r} (use an IANA name like America/Chicago)") from None


def add(*, conn: Connection, username: str, password: str, role: str, display_name: str = "",
        warehouses: list[str] | tuple[str, ...] | None = None, time_zone: str = "UTC",
        replace: bool = False, is_demo: bool = False) -> bool:
    """Create a user (or, with replace=True, reset an existing one). Returns False if the user
    already existed and replace was not asked for."""
    username = username.strip().lower()
    _validate(username, role, time_zone, password)
    params = {
        "username": username, "display_name": display_name,
        "password_hash": generate_password_hash(password), "role": role,
        "warehouses": list(warehouses) if warehouses else None, "time_zone": time_zone,
        "is_demo": is_demo,
    }
    row = conn.execute(Q["upsert" if replace else "insert"], params).first()
    return row is not None


def list_users(*, conn: Connection) -> pd.DataFrame:
    """All users. One row per user: username, display_name, role, warehouses (list or None),
    time_zone, active, is_demo, created_at and last_login_at (UTC, tz-aware)."""
    rows = conn.execute(Q["list_all"]).mappings().all()
    return pd.DataFrame(rows, columns=["username", "display_name", "role", "warehouses", "time_zone",
                                       "active", "is_demo", "created_at", "last_login_at"])


def ensure_demo_users(*, conn: Connection) -> list[tuple[str, str, str]]:
    """Create the demo users that do not exist yet, each with a fresh random password.

    Returns [(username, password, role)] for the users created now, so `tower run` can print
    the passwords once; users that already exist keep theirs (and are not returned).
    """
    created: list[tuple[str, str, str]] = []
    for username, display, role, warehouses in DEMO_USERS:
        password = secrets.token_urlsafe(9)
        if add(conn=conn, username=username, password=password, role=role, display_name=display,
               warehouses=warehouses, is_demo=True):
            created.append((username, password, role))
    return created

