"""The record of every collector run (one row per stream run). Functions never commit.

A run row is inserted when the run starts and finished when it ends, so a crashed process
leaves a row in 'running'; the next run of that stream (holding the stream's lock, so the old
process is surely gone) marks such rows 'failed' with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "collector_runs.sql")
RUN_COLUMNS = ["run_id", "source", "stream", "started_at", "finished_at", "status",
               "records_fetched", "milestones_written", "dead_letters", "newest_source_at",
               "lag_seconds", "error", "source_as_of", "data_through", "caught_up", "observed_at"]


@dataclass
class RunCounts:
    records_fetched: int = 0
    milestones_written: int = 0
    dead_letters: int = 0
    newest_source_at: datetime | None = None
    # Event time (see migration 0013): the source's present on the last page, the instant up to
    # which everything has been read, whether the run reached the source's present, and tower's
    # clock when that was learnt. None until a page (or a quiet finish) says so.
    source_as_of: datetime | None = None
    data_through: datetime | None = None
    caught_up: bool | None = None
    observed_at: datetime | None = None


def start(*, conn: Connection, source: str, stream: str, started_at: datetime) -> int:
    return int(conn.execute(_Q["start"], {"source": source, "stream": stream,
                                          "started_at": started_at}).scalar_one())


def progress(*, conn: Connection, run_id: int, counts: RunCounts) -> None:
    """Update the counters of a running run (written with each committed page)."""
    conn.execute(_Q["progress"], {"run_id": run_id, **counts.__dict__})


def finish(*, conn: Connection, run_id: int, status: str, counts: RunCounts,
           finished_at: datetime, error: str | None = None) -> None:
    """Close a run. status is ok | failed | fatal; lag is the data lag in event time: how far
    what has been read lags behind the source's present (0 once the run caught up)."""
    lag = None
    if counts.data_through is not None:
        present = counts.source_as_of or counts.observed_at or finished_at
        lag = max(0.0, (present - counts.data_through).total_seconds())
    conn.execute(_Q["finish"], {"run_id": run_id, "status": status, "finished_at": finished_at,
                                "lag_seconds": lag, "error": error, **counts.__dict__})


def mark_interrupted(*, conn: Connection, source: str, stream: str, now: datetime,
                     keep_run_id: int = -1) -> int:
    """Close runs left 'running' by a process that died; returns how many."""
    return conn.execute(_Q["mark_interrupted"], {"source": source, "stream": stream, "now": now,
                                                 "keep_run_id": keep_run_id}).rowcount


def newest_source_at(*, conn: Connection, source: str, stream: str) -> datetime | None:
    """The newest source timestamp any run of the stream has seen (for lag when a run is quiet)."""
    return conn.execute(_Q["newest_source_at"], {"source": source, "stream": stream}).scalar_one()


def latest(*, conn: Connection) -> pd.DataFrame:
    """One row per (source, stream): its most recent run. Columns RUN_COLUMNS; times tz-aware UTC."""
    return pd.DataFrame(conn.execute(_Q["latest"]).mappings().all(), columns=RUN_COLUMNS)


def recent(*, conn: Connection, source: str | None = None, limit: int = 100) -> pd.DataFrame:
    """One row per run, newest first. Columns RUN_COLUMNS; times tz-aware UTC."""
    rows = conn.execute(_Q["recent"], {"source": source, "limit": limit}).mappings().all()
    return pd.DataFrame(rows, columns=RUN_COLUMNS)


def readings(*, conn: Connection, runs: int = 10) -> list[dict]:
    """One dict per (source, stream) ever run, the input of `tower.rules.source_health`:
    source, stream, last_status, last_run_at, last_error, last_ok_at, data_through,
    source_as_of, caught_up, observed_at, newest_source_at, runs and failed_runs (among the
    last `runs` finished runs). Times tz-aware UTC."""
    return [dict(r) for r in conn.execute(_Q["readings"], {"runs": runs}).mappings().all()]
