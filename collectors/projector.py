"""Draining the projection queue: the orders a backlog page queued (tower.store.projection_queue)
are projected here, a chunk per transaction.

Three callers. A stream that was reading a backlog drains the queue before it commits the page
that reaches the source's present (collectors.runner), so a stream never says it has caught up
while facts it read are not in the projections yet — the rules trust "caught up". The collector
process runs `drain` as its `projection-drain` job every few seconds, and `tower collect --once`
keeps a `Projector` thread doing the same, so the pages fill in during a long catch-up instead
of all at once at its end. Projecting less often projects more at once: an order touched by
every stream while they read its days is projected once per drain, not once per page.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy.engine import Engine

from collectors.conflicts import retry_on_conflict
from tower.store import projection_queue

log = logging.getLogger(__name__)
DRAIN_SECONDS = 5.0   # 30 s projected no faster in bench/backlog.py: the streams, not the drains, set the pace


def drain(engine: Engine, *, chunk: int = projection_queue.CHUNK) -> int:
    """Project every order queued up to now (rows queued meanwhile wait for the next drain),
    chunk by chunk, each chunk its own transaction (tried again after a conflict: its rollback
    put its rows back). Returns the orders projected (an order in two chunks counts twice)."""
    with engine.connect() as conn:
        upto = projection_queue.head(conn=conn)
    if upto is None:
        return 0

    def one_chunk() -> int:
        with engine.begin() as conn:
            return projection_queue.project_queued(conn=conn, upto=upto, limit=chunk)

    total = 0
    while orders := retry_on_conflict(one_chunk, what="projection chunk"):
        total += orders
    return total


class Projector:
    """A thread that drains the queue every `seconds` until stopped (then drains once more, so
    a clean stop leaves nothing queued). A failing drain is logged and tried at the next tick:
    the queued rows are still there."""

    def __init__(self, engine: Engine, *, seconds: float = DRAIN_SECONDS) -> None:
        self.engine, self.seconds = engine, seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="projector", daemon=True)

    def __enter__(self) -> "Projector":
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _loop(self) -> None:
        while True:
            stopping = self._stop.wait(self.seconds)
            try:
                drain(self.engine)
            except Exception:  # logged, retried at the next tick: nothing is lost
                log.exception("draining the projection queue failed; trying again in %.0f s", self.seconds)
            if stopping:
                return
