"""Group commit of the webhook acknowledgement: the web process's one inbox writer.

Each `POST /hooks/carrier/<provider>` hands its checked event to `InboxWriter.store` and waits.
A writer thread takes every event waiting at that moment (up to MAX_BATCH) and stores them in
one autocommitted INSERT, then wakes each request with whether its event was new; WRITERS
threads do this side by side, so a new batch starts while the last one commits. Under a burst
many acknowledgements share one statement and one commit instead of each holding a web thread
and a connection for its own; alone, an event is written as soon as it arrives (nothing waits
for a batch to fill).

The durability promise holds: `store` returns only after the statement holding the event has
committed, so a 202 / 200 is never sent for an event that is not in the inbox. When the batch
fails on the database side, each event of it is tried alone (one bad event cannot fail its
neighbours); a connection error or a lost connection is raised to every waiting request, which
answers 503 so that the sender retries (the insert is idempotent by event id, so a retry after
a commit whose answer was lost reads as a duplicate).
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa

from tower.db import DatabaseUnavailable, autocommit_engine_for
from tower.store import webhook_inbox

log = logging.getLogger(__name__)

MAX_BATCH = 500            # far more than arrive during one commit at hundreds of events a second
WRITERS = 2                # while one batch commits the next is already being written: an event
                           # waits for about one commit, not for the one in flight and then its own
WAIT_SECONDS = 30.0        # a request gives up (503, the sender retries) if no commit came by then


@dataclass
class _Pending:
    provider: str
    event_id: str
    body: str
    received_at: datetime
    done: threading.Event = field(default_factory=threading.Event)
    new: bool = False
    error: BaseException | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.provider, self.event_id)


class InboxWriter:
    """One per web process and database URL; its threads start with the first event."""

    def __init__(self, url: str, *, max_batch: int = MAX_BATCH, wait_seconds: float = WAIT_SECONDS,
                 writers: int = WRITERS) -> None:
        self._url = url
        self._max_batch = max_batch
        self._wait = wait_seconds
        self._queue: queue.SimpleQueue[_Pending] = queue.SimpleQueue()
        self._writers = writers
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self.batches = 0               # statements written (bench/webhooks.py reports events per batch)
        self.events = 0

    def store(self, *, provider: str, event_id: str, body: str, received_at: datetime) -> bool:
        """Store one raw event durably; True if new, False if this provider's event id was
        already received. Returns once the event's statement has committed; raises the
        database's error (or DatabaseUnavailable after `wait_seconds` without a commit)."""
        pending = _Pending(provider, event_id, body, received_at)
        self._start()
        self._queue.put(pending)
        if not pending.done.wait(self._wait):
            raise DatabaseUnavailable(f"the webhook inbox was not written within {self._wait:g} s")
        if pending.error is not None:
            raise pending.error
        return pending.new

    def _start(self) -> None:
        if self._threads:
            return
        with self._lock:
            if not self._threads:
                threads = [threading.Thread(target=self._run, name=f"tower-inbox-writer-{n}", daemon=True)
                           for n in range(self._writers)]
                for thread in threads:
                    thread.start()
                self._threads = threads

    def _run(self) -> None:
        while True:
            batch = [self._queue.get()]
            while len(batch) < self._max_batch:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            try:
                self._write(batch)
            except BaseException as exc:  # never leave a request waiting, never let the thread die
                log.exception("webhook inbox writer: a batch of %d failed", len(batch))
                _finish(batch, set(), exc)

    def _write(self, batch: list[_Pending]) -> None:
        try:
            new = self._insert(batch)
        except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable) as exc:
            _finish(batch, set(), exc)                     # the database is away: all retry
            return
        except sa.exc.DBAPIError as exc:
            if len(batch) == 1:
                _finish(batch, set(), exc)
                return
            for one in batch:                              # one bad event must not fail the rest
                self._write([one])
            return
        _finish(batch, new, None)

    def _insert(self, batch: list[_Pending]) -> set[tuple[str, str]]:
        events = [(p.provider, p.event_id, p.body, p.received_at) for p in batch]
        # No pre-ping on this engine: a connection found dead is retried once on a fresh one.
        for attempt in (1, 2):
            try:
                with autocommit_engine_for(self._url).connect() as conn:
                    new = webhook_inbox.insert_many(conn=conn, events=events)
                with self._lock:
                    self.batches += 1
                    self.events += len(batch)
                return new
            except sa.exc.DBAPIError as exc:
                if attempt == 2 or not exc.connection_invalidated:
                    raise
        raise AssertionError("unreachable")


def _finish(batch: list[_Pending], new: set[tuple[str, str]], error: BaseException | None) -> None:
    seen: set[tuple[str, str]] = set()
    for p in batch:
        if p.done.is_set():   # answered already (an event tried alone): its answer stands
            continue
        p.error = error
        p.new = p.key in new and p.key not in seen   # the same key twice in a batch: new once
        seen.add(p.key)
        p.done.set()
