"""Errors the store raises, so nothing above tower/store needs to know the database driver."""

from __future__ import annotations

import psycopg
import sqlalchemy as sa

# deadlock detected, serialization failure, lock not available
_RETRYABLE_SQLSTATES = frozenset({"40P01", "40001", "55P03"})


class StoreError(RuntimeError):
    """A store operation failed; the caller's transaction must be rolled back."""

    def __init__(self, message: str, sqlstate: str | None = None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


class RetryableStoreError(StoreError):
    """A conflict with a concurrent transaction: roll back and run the same work again."""


def translate(exc: BaseException) -> StoreError:
    """The store's error for a driver error (psycopg or SQLAlchemy-wrapped)."""
    orig = getattr(exc, "orig", exc)
    state = getattr(orig, "sqlstate", None)
    text = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    cls = RetryableStoreError if state in _RETRYABLE_SQLSTATES else StoreError
    return cls(text, state)


DRIVER_ERRORS = (psycopg.Error, sa.exc.DBAPIError)
