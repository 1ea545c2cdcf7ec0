"""`rebuild_projections`: recompute orders' projections from the whole set of their stored
milestones, in the caller's transaction.

This is the reference path: ingest brings the projections of the orders a batch touched up to
date, batch by batch, and the property tests prove that, for any order, duplication and batch
split of the same events, the result equals this recomputation over the complete set. It is
also the repair for projections written by an older version of the statements. Nothing here
commits.
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw, scalar
from tower.store.errors import DRIVER_ERRORS, translate
from tower.store.ingest import _INGEST, _PROJECT, _PROJECTION_ORDER

_Q = sqlfiles.load_psycopg(__file__, "rebuild.sql")


def rebuild_projections(*, conn: Connection, order_ids: Sequence[str] | None = None) -> int:
    """Recompute the projections of `order_ids` (None: every order in the log) from all their
    milestones; returns the number of orders recomputed. Orders are locked in sorted order and
    marked dirty, as ingest does, so the rules and the analytics job see the result."""
    try:
        with raw(conn).cursor() as cur:
            cur.execute(_INGEST["create_stage"])
            if order_ids is None:
                cur.execute(_Q["touch_all"])
            else:
                cur.execute(_Q["touch_given"], {"order_ids": list(order_ids)})
            cur.execute(_Q["count_touched"])
            touched = int(scalar(cur))
            cur.execute(_INGEST["lock_touched"])
            cur.execute(_INGEST["mark_dirty"])
            for name in _PROJECTION_ORDER:
                cur.execute(_PROJECT[name])
    except DRIVER_ERRORS as exc:
        raise translate(exc) from exc
    return touched
