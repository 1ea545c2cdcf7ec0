"""Two collector processes (by mistake, or on two machines) never poll the same stream at once.

A run holds a session-level Postgres advisory lock on a dedicated connection for as long as it
runs. `pg_try_advisory_lock` never waits: a process that finds the stream taken skips that run
(the holder is doing the work). If the holder dies, even by kill -9, its connection closes and
Postgres releases the lock, so there is no lease to expire and no stale owner to clean up.
"""

from __future__ import annotations

import hashlib
import logging
from contextlib import contextmanager
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from tower.sqlfiles import load

log = logging.getLogger(__name__)
_Q = load(__file__, "locks.sql")
# The two-key form keeps collector locks apart from any single-key advisory lock (migrations).
NAMESPACE = 0x746F77  # "tow"


def lock_key(name: str) -> int:
    """A stable 31-bit key for a lock name such as "erp/orders" (same in every process)."""
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


@contextmanager
def try_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True while this process holds the lock `name`, False if another process holds it."""
    key = lock_key(name)
    params = {"ns": NAMESPACE, "key": key}
    with engine.connect() as conn:
        got = bool(conn.execute(_Q["try_lock"], params).scalar_one())
        conn.commit()
        try:
            yield got
        finally:
            if got:
                try:
                    conn.execute(_Q["unlock"], params)
                    conn.commit()
                except sa.exc.DBAPIError:
                    # The session may still hold the lock: never hand it back to the pool.
                    log.warning("could not release lock %s; dropping the connection", name)
                    conn.invalidate()
