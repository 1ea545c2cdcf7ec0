"""Phase timings of one worker or sweep run, for the benches and DEBUG logs."""

from __future__ import annotations

import time


class Laps:
    """`lap(name)` records the seconds since the previous lap (or since the Laps was made)."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._mark = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(now - self._mark, 4)
        self._mark = now
