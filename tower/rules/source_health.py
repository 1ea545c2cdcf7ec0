"""The health of a source's streams in event time: up, catching up, degraded or down.

Pure: the same readings, limit and time always give the same state. A stream's *data lag* is
how far what tower has read lags behind the source's own present — the source's present
(`as_of` of its last page) minus the instant up to which everything has been read
(`data_through`), plus the time since tower learnt that — not the age of the last poll. So a
stream that is quiet because nothing changed is up, and a stream whose first run is still
reading 50 days of history is catching up, however recently it polled.

    down         the last run failed fatally, or no data for longer than the limit and the
                 stream is not progressing (its runs fail or stopped), or it never read a page
                 and its runs fail
    catching_up  it is reading a backlog: the last page did not reach the source's present
                 (or its first run has not committed a page yet)
    degraded     up to date within the limit, but runs fail, or the lag is over half the limit
    up           up to date (or quiet: nothing changed)
    unknown      no runs at all: not monitored (a store fed by imports), which is not an outage

A source is as healthy as its worst stream. Alerts that depend on a source that is down or
catching up are held back (`HOLDING`); only a source that is down opens an integration
incident — a backlog being read is progress, not an outage.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping

ORDER = ("down", "catching_up", "degraded", "up", "unknown")   # worst first
HOLDING = frozenset({"down", "catching_up"})
WORDS = {"down": "down", "catching_up": "catching up", "degraded": "degraded", "up": "up",
         "unknown": "not monitored"}


@dataclass(frozen=True)
class StreamHealth:
    source: str
    stream: str
    state: str
    reason: str
    lag_seconds: float | None      # data lag now, in event time; None before any data
    data_through: datetime | None
    caught_up: bool

    @property
    def holds(self) -> bool:
        return self.state in HOLDING


def _minutes(seconds: float) -> str:
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.0f} days"


def data_lag(reading: Mapping[str, Any], now: datetime) -> float | None:
    """Seconds the stream's data lags behind the source's present at `now` (None: no data).
    Readings without event-time columns (runs recorded before migration 0013) fall back to the
    last successful finish, as if that run had caught up."""
    through = reading.get("data_through")
    if through is None:
        through = reading.get("last_ok_at")
        if through is None:
            return None
        return max((now - through).total_seconds(), 0.0)
    observed = reading.get("observed_at") or through
    present = reading.get("source_as_of") or observed
    behind = max((present - through).total_seconds(), 0.0)
    since = max((now - observed).total_seconds(), 0.0)
    return behind + since


def stream_health(reading: Mapping[str, Any], *, now: datetime, limit_seconds: float) -> StreamHealth:
    """State of one stream. `reading` keys: source, stream, last_status (the latest run's),
    last_ok_at, data_through, source_as_of, caught_up, observed_at (of the latest run that
    read data), runs and failed_runs (recent finished runs)."""
    source, stream = reading["source"], reading["stream"]
    lag = data_lag(reading, now)
    caught_up = bool(reading.get("caught_up", True) if reading.get("data_through") is not None
                     else reading.get("last_ok_at") is not None)
    failing = reading.get("last_status") in ("failed", "fatal")
    failed, runs = int(reading.get("failed_runs") or 0), int(reading.get("runs") or 0)

    def out(state: str, reason: str) -> StreamHealth:
        return StreamHealth(source, stream, state, reason, lag, reading.get("data_through"), caught_up)

    if reading.get("last_status") == "fatal":
        return out("down", "the last run failed with an error that retrying will not fix")
    if lag is None:
        if failing:
            return out("down", "no successful run yet")
        return out("catching_up", "first run reading the source's history")
    if lag > limit_seconds and (failing or caught_up):
        # Caught up once, then nothing for longer than the limit: the polls fail or stopped.
        return out("down", f"no new data for {_minutes(lag)} (limit {_minutes(limit_seconds)})")
    if not caught_up:
        return out("catching_up", f"reading a backlog: data {_minutes(lag)} behind the source")
    if failed:
        return out("degraded", f"{failed} of the last {runs} runs failed")
    if lag > limit_seconds / 2:
        return out("degraded", f"data {_minutes(lag)} behind the source (limit {_minutes(limit_seconds)})")
    return out("up", "up to date")


def worst(states: Iterable[StreamHealth]) -> StreamHealth | None:
    """The stream that decides its source's state (the worst; among equals the most lagging)."""
    items = list(states)
    if not items:
        return None
    return min(items, key=lambda h: (ORDER.index(h.state), -(h.lag_seconds or 0.0)))
