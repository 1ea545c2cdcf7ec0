"""Read ahead: fetch and map the next pages while the current ones are being written.

The source's HTTP time and the mapping overlap with the database's work on the previous pages.
At most `depth` pages wait in the queue, so memory stays bounded by a few pages whatever the
backlog. Errors in the reader are re-raised in the consumer, in order.

The consumer takes the pages in groups: the first it waits for, then every page already read,
up to `group`. While a backlog is read the queue is full and a group is `group` pages, which
the runner writes in one transaction (one commit instead of several); at the head of a stream
a page is taken as soon as it comes.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Generator, Iterable, TypeVar

T = TypeVar("T")
U = TypeVar("U")
_DONE = object()


def read_ahead(source: Iterable[T], transform: Callable[[T], U], depth: int = 2,
               stop: threading.Event | None = None, group: int = 1) -> Generator[list[U], None, None]:
    """Yield lists of transform(item) for the items of `source`, produced by a background
    thread, in order: each list holds the next item and those already waiting, at most `group`
    (the queue holds at least `group`). A set `stop` ends the iteration at once, even while the
    reader is waiting on the source (the reader is a daemon thread: a request stuck in its
    retries cannot hold up an exit)."""
    slots: queue.Queue = queue.Queue(maxsize=max(depth, group))
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
    def ready(taken: list[U]) -> tuple[bool, BaseException | None]:
        """Take the items already waiting into `taken`: (the source has ended, its error)."""
        while len(taken) < group:
            try:
                value, error = slots.get_nowait()
            except queue.Empty:
                return False, None
            if error is not None or value is _DONE:
                return True, error
            taken.append(value)
        return False, None

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
            taken = [value]
            ended, error = ready(taken)
            yield taken  # the pages read before an error are still written
            if error is not None:
                raise error
            if ended:
                return
    finally:
        cancelled.set()  # the reader stops at its next put or page
