"""Doing a transaction again after it conflicted with a concurrent one (a deadlock or a
serialization failure: tower.store.errors.RetryableStoreError).

The transaction rolled back whole, so running its body again is safe; a short random pause,
longer at each attempt, keeps two colliding writers from colliding again. The collector's page
commits and the projection drain's chunks both go through here.
"""

from __future__ import annotations

import logging
import random
import time
from typing import Callable, TypeVar

from tower.store.errors import RetryableStoreError

log = logging.getLogger(__name__)
ATTEMPTS = 6
T = TypeVar("T")


def retry_on_conflict(body: Callable[[], T], *, what: str) -> T:
    """body(), run again (up to ATTEMPTS in all) while it raises RetryableStoreError; the last
    failure is raised. `what` names it in the log ("erp/sales_orders: page")."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return body()
        except RetryableStoreError as exc:
            if attempt == ATTEMPTS:
                raise
            log.info("%s retried after SQLSTATE %s", what, exc.sqlstate)
            time.sleep(random.uniform(0.05, 0.5) * attempt)
    raise AssertionError("unreachable: the last attempt returns or raises")
