"""The signed-in user, for page layouts and callbacks (they run inside a Flask request).

    from tower.auth import current
    user = current.user()        # tower.auth.users.User or None
    current.actor()              # the user name to record as an exception action's actor
"""

from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from tower.auth.users import User


def user() -> User | None:
    if not has_request_context() or not current_user.is_authenticated:
        return None
    return current_user.user


def role() -> str | None:
    found = user()
    return found.role if found else None


def actor() -> str:
    """The signed-in user's name; raises PermissionError outside a signed-in request."""
    found = user()
    if found is None:
        raise PermissionError("no signed-in user")
    return found.username


def warehouses() -> tuple[str, ...] | None:
    """The warehouses the user is scoped to (None: all)."""
    found = user()
    return found.warehouses if found else None


def scope():
    """What the signed-in user may see (tower.data.scope.Scope): the one place it is built.
    Nobody signed in sees nothing."""
    from tower.data.scope import Scope

    found = user()
    return Scope.of(found.role, found.warehouses) if found else Scope.nothing()
