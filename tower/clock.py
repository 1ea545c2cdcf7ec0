"""The one clock of the whole tower: `now()` returns an aware UTC datetime.

Every part that asks "what time is it" for a business decision (SLA clocks, exception ages,
freshness, snapshots, collector bookmarks caps) calls `tower.clock.now()` instead of
`datetime.now()`, so that tests can move time and the demo can run faster than real time.

Three ways to change it:

* Tests: `clock.set(dt)` freezes the clock at `dt`; `clock.advance(timedelta(hours=3))` moves a
  frozen or offset clock forward; `clock.reset()` goes back to the environment's clock; and
  `with clock.frozen(dt): ...` does set + reset around a block. Most rules functions also take
  an explicit `now=` argument; pass it where you can, the global clock is the fallback.
* Environment (read once, at first use; the same in every process started with it):
  - `TOWER_CLOCK_OFFSET` — shift the clock: a signed duration `"-2d"`, `"90m"`, `"1h30m"`,
    `"3600"` (seconds), or an ISO-8601 time (`"2026-03-09T08:00:00-06:00"`) at which the
    virtual clock starts.
  - `TOWER_CLOCK_SPEED` — a positive number; virtual seconds per real second (`60` makes one
    real minute an hour of business time). Default 1.
  - `TOWER_CLOCK_ANCHOR` — the real UTC instant the offset/speed is measured from. If speed is
    not 1 and no anchor is set, the first process to read the clock writes its own start time
    into `os.environ`, so child processes it starts (web, collectors) share one timeline
    rather than each drifting from its own start.
* Virtual time is monotonic and continuous: virtual = start + (real - anchor) * speed, where
  start = anchor + offset (or the ISO time given).

Why env here and not in `tower.config`: the clock must work before settings are loaded (tests,
benches, scripts); `describe()` reports it so the README and /health can show it.
"""

from __future__ import annotations

import os
import re
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Iterator, Mapping

UTC = timezone.utc


class ClockError(ValueError):
    """A clock setting is malformed; the message says which and how to fix it."""


@dataclass
class _State:
    anchor: datetime          # real instant the virtual timeline starts from
    start: datetime           # virtual time at the anchor
    speed: float = 1.0
    frozen: datetime | None = None


_lock = threading.Lock()
_state: _State | None = None

_DURATION = re.compile(r"^([+-])?((?:\d+(?:\.\d+)?[dhms])+)$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([dhms])")
_UNIT = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0}


def _real_now() -> datetime:
    return datetime.now(UTC)


def parse_offset(raw: str) -> timedelta | datetime:
    """A duration (`-2d`, `1h30m`, `3600`) or an aware ISO time; ClockError otherwise."""
    text = raw.strip()
    try:
        return timedelta(seconds=float(text))
    except ValueError:
        pass
    match = _DURATION.match(text.replace(" ", ""))
    if match:
        seconds = sum(float(n) * _UNIT[u] for n, u in _PART.findall(match.group(2)))
        return timedelta(seconds=-seconds if match.group(1) == "-" else seconds)
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(
            f"TOWER_CLOCK_OFFSET must be a duration like '-2d', '90m', '3600' or an ISO time "
            f"with a zone, got {raw!r}") from None
    if when.tzinfo is None:
        raise ClockError(f"TOWER_CLOCK_OFFSET time has no time zone: {raw!r}")
    return when.astimezone(UTC)


def from_env(env: Mapping[str, str]) -> _State:
    """The clock state the environment asks for (raises ClockError on bad values)."""
    raw_speed = env.get("TOWER_CLOCK_SPEED") or "1"
    try:
        speed = float(raw_speed)
    except ValueError:
        raise ClockError(f"TOWER_CLOCK_SPEED must be a number, got {raw_speed!r}") from None
    if not 0 < speed <= 100000:
        raise ClockError(f"TOWER_CLOCK_SPEED must be above 0 and at most 100000, got {raw_speed!r}")
    raw_anchor = env.get("TOWER_CLOCK_ANCHOR")
    if raw_anchor:
        try:
            anchor = datetime.fromisoformat(raw_anchor.replace("Z", "+00:00"))
        except ValueError:
            raise ClockError(f"TOWER_CLOCK_ANCHOR must be an ISO time, got {raw_anchor!r}") from None
        if anchor.tzinfo is None:
            raise ClockError(f"TOWER_CLOCK_ANCHOR has no time zone: {raw_anchor!r}")
        anchor = anchor.astimezone(UTC)
    else:
        anchor = _real_now()
    raw_offset = env.get("TOWER_CLOCK_OFFSET")
    start = anchor
    if raw_offset:
        offset = parse_offset(raw_offset)
        start = offset if isinstance(offset, datetime) else anchor + offset
    return _State(anchor=anchor, start=start, speed=speed)


def _current() -> _State:
    global _state
    with _lock:
        if _state is None:
            _state = from_env(os.environ)
            needs_anchor = _state.speed != 1.0 or (
                os.environ.get("TOWER_CLOCK_OFFSET") and isinstance(
                    parse_offset(os.environ["TOWER_CLOCK_OFFSET"]), datetime))
            if needs_anchor and not os.environ.get("TOWER_CLOCK_ANCHOR"):
                # Children started from here inherit the anchor: one timeline for all processes.
                os.environ["TOWER_CLOCK_ANCHOR"] = _state.anchor.isoformat()
        return _state


def now() -> datetime:
    """The tower's current time: an aware datetime in UTC."""
    state = _current()
    if state.frozen is not None:
        return state.frozen
    elapsed = (_real_now() - state.anchor).total_seconds()
    return state.start + timedelta(seconds=elapsed * state.speed)


def set(when: datetime) -> None:  # noqa: A001 - the natural name for a clock
    """Freeze the clock at `when` (aware) until `advance`, `set` or `reset`."""
    if when.tzinfo is None:
        raise ClockError("clock.set needs an aware datetime")
    state = _current()
    with _lock:
        state.frozen = when.astimezone(UTC)


def advance(delta: timedelta) -> datetime:
    """Move the clock forward by `delta` (frozen: the frozen time; running: the offset)."""
    state = _current()
    with _lock:
        if state.frozen is not None:
            state.frozen = state.frozen + delta
        else:
            state.start = state.start + delta
    return now()


def reset() -> None:
    """Forget test settings and re-read the environment at next use."""
    global _state
    with _lock:
        _state = None


@contextmanager
def frozen(when: datetime) -> Iterator[None]:
    """`with clock.frozen(dt):` — the clock reads `dt` (plus any `advance`) inside the block."""
    set(when)
    try:
        yield
    finally:
        reset()


def describe() -> dict[str, str]:
    """The clock's configuration for display (/health, `tower check`)."""
    state = _current()
    return {
        "now": now().isoformat(),
        "speed": f"{state.speed:g}",
        "offset": str(state.start - state.anchor),
        "frozen": "yes" if state.frozen is not None else "no",
    }
