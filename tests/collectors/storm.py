"""A collector and a signed-in browser working flat out in threads, for the tests that pull the
database out from under them (dropped connections, a server restart): what each run ended as,
and every answer the web app gave, with whether the database was away for all of it."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from collectors.runner import run_stream


@dataclass
class Storm:
    engine: Any
    streams: list
    now: Callable
    refresh: Callable[[], Any]            # one page update; returns the Flask test response
    outcomes: list[str] = field(default_factory=list)
    answers: list[tuple[bool, int, str]] = field(default_factory=list)  # (database away throughout, status, body)
    away: threading.Event = field(default_factory=threading.Event)
    _done: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def _collector(self) -> None:  # what the collector process does: every stream, over and over
        while not self._done.is_set():
            for stream in self.streams:
                try:
                    self.outcomes.append(run_stream(self.engine, stream, now=self.now).status)
                except Exception as exc:  # noqa: BLE001 - the scheduler logs it and runs again later
                    self.outcomes.append(f"raised {type(exc).__name__}")

    def _browser(self) -> None:
        while not self._done.is_set():
            was_away = self.away.is_set()
            answer = self.refresh()
            self.answers.append((was_away and self.away.is_set(), answer.status_code, answer.get_data(as_text=True)))

    def __enter__(self) -> Storm:
        self._threads = [threading.Thread(target=self._collector), threading.Thread(target=self._browser)]
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        for thread in self._threads:
            thread.join(120)
