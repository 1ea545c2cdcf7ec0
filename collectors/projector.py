"""Draining the projection queue: the orders a backlog page queued (tower.store.projection_queue)
are projected here, a chunk per transaction.

Two callers. A stream that was reading a backlog drains the queue before it commits the page
that reaches the source's present (collectors.runner), so a stream never says it has caught up
while facts it read are not in the projections yet — the rules trust "caught up". And the
collector process keeps a `Projector` thread draining every few seconds, so the pages fill in
during a long catch-up instead of all at once at its end. Projecting less often projects more
at once: an order touched by every stream while they read its days is projected once per
drain, not once per page.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass

from sqlalchemy.engine import Engine

from tower.store import projection_queue
from tower.store.errors import RetryableStoreError

log = logging.getLogger(__name__)
DRAIN_SECONDS = 5.0   # 30 s projected no faster in bench/backlog.py: the streams, not the drains, set the pace
ATTEMPTS = 6


@dataclass
class Drained:
    orders: int = 0          # orders projected (an order in two chunks counts twice)
    chunks: int = 0


def drain(engine: Engine, *, chunk: int = projection_queue.CHUNK) -> Drained:
    """Project every order queued up to now (rows queued meanwhile wait for the next drain),
    chunk by chunk; a chunk that conflicts with a concurrent transaction is tried again (its
    rollback put its rows back). Raises what a chunk still fails with after that."""
    out = Drained()
    with engine.connect() as conn:
        upto = projection_queue.head(conn=conn)
    if upto is None:
        return out
    while True:
        for attempt in range(ATTEMPTS):
            try:
                with engine.begin() as conn:
                    orders = projection_queue.project_queued(conn=conn, upto=upto, limit=chunk)
                break
            except RetryableStoreError as exc:
                if attempt + 1 == ATTEMPTS:
                    raise
                log.info("projection chunk retried after SQLSTATE %s", exc.sqlstate)
                time.sleep(random.uniform(0.05, 0.5) * (attempt + 1))
        if not orders:
            return out
        out.orders += orders
        out.chunks += 1


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
