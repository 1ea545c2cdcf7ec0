"""Read ahead: fetch and map the next page while the current one is being written.

The source's HTTP time and the mapping overlap with the database's work on the previous page.
At most `depth` pages wait in the queue, so memory stays bounded by a few pages whatever the
backlog. Errors in the reader are re-raised in the consumer, in order.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generator, Iterable, TypeVar

T = TypeVar("T")
U = TypeVar("U")
_DONE = object()


def read_ahead(source: Iterable[T], transform: Callable[[T], U], depth: int = 2,
               stop: threading.Event | None = None) -> Generator[U, None, None]:
    """Yield transform(item) for each item of `source`, produced by a background thread.
    A set `stop` ends the iteration at once, even while the reader is waiting on the source
    (the reader is a daemon thread: a request stuck in its retries cannot hold up an exit)."""
    slots: queue.Queue = queue.Queue(maxsize=depth)
    cancelled = threading.Event()

    def put(entry: tuple) -> bool:
        while not cancelled.is_set():
            try:
                slots.put(entry, timeout=0.2)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in source:
                if cancelled.is_set() or not put((transform(item), None)):
                    return
        except BaseException as exc:  # handed to the consumer, which re-raises it
            put((None, exc))
            return
        put((_DONE, None))

    thread = threading.Thread(target=produce, name="read-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                value, error = slots.get(timeout=0.2)
            except queue.Empty:
                if stop is not None and stop.is_set():
                    return
                continue
            if error is not None:
                raise error
            if value is _DONE:
                return
            yield value
    finally:
        cancelled.set()  # the reader stops at its next put or page
