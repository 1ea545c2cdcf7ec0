"""How fresh each source's view is, in event time, from the collectors' run log.

A stream's age is its *data lag*: how far what tower has read lags behind the source's own
present (tower.rules.source_health), not the time since its last poll — a quiet stream polled
seconds ago is up however old its newest record, and a stream still reading 50 days of history
is catching up however recently it polled. A source is as fresh as its worst stream; the rules
read the same states (tower.evaluation.freshness), so the banner and the held alerts agree.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from tower.rules.source_health import HOLDING, ORDER, stream_health
from tower.sqlfiles import load
from tower.store import collector_runs

Q = load(__file__, "freshness.sql")
SOURCES = ("erp", "wms", "carrier", "finance")
SOURCE_LABELS = {"erp": "ERP", "wms": "WMS", "carrier": "Carrier", "finance": "Finance"}
# A poll runs every few seconds; five minutes without a successful one is an outage, not jitter.
STALE_AFTER = timedelta(minutes=5)

STREAM_COLUMNS = ["source", "stream", "last_success_at", "lag_seconds", "newest_record_at",
                  "last_status", "last_run_at", "last_error", "age_seconds", "state", "reason",
                  "caught_up", "data_through"]
SOURCE_COLUMNS = ["source", "label", "status", "last_success_at", "age_seconds", "newest_record_at",
                  "lag_seconds", "stalest_stream", "streams", "failing_streams", "stale_after_seconds",
                  "state", "reason"]


def thresholds(*, conn: Connection) -> dict[str, timedelta]:
    """source -> how far its data may lag before it counts as stale (the policy's)."""
    return {row.source: timedelta(minutes=float(row.max_lag_minutes))
            for row in conn.execute(Q["thresholds"])}


def _stream_rows(conn: Connection, now: datetime, lim: Mapping[str, timedelta]) -> list[dict]:
    """by_stream's rows as plain dicts (times aware datetimes or None, lags float or NaN)."""
    rows = []
    for r in collector_runs.readings(conn=conn):
        health = stream_health(r, now=now, limit_seconds=lim.get(r["source"], STALE_AFTER).total_seconds())
        lag = float("nan") if health.lag_seconds is None else health.lag_seconds
        rows.append({"source": r["source"], "stream": r["stream"], "last_success_at": r["last_ok_at"],
                     "lag_seconds": lag, "newest_record_at": r["newest_source_at"],
                     "last_status": r["last_status"], "last_run_at": r["last_run_at"],
                     "last_error": r["last_error"], "age_seconds": lag, "state": health.state,
                     "reason": health.reason, "caught_up": health.caught_up,
                     "data_through": health.data_through})
    return rows


def by_stream(*, conn: Connection, now: datetime,
              limits: Mapping[str, timedelta] | None = None) -> pd.DataFrame:
    """One row per (source, stream) that has ever run. Columns STREAM_COLUMNS: source, stream
    (str); last_success_at, newest_record_at, last_run_at, data_through (tz-aware UTC, NaT if
    none); lag_seconds and age_seconds (float: the data lag now, in event time; NaN before any
    data); last_status, last_error (str); state (up | catching_up | degraded | down), reason
    (words); caught_up (bool). `limits` per source, else the policy's, else STALE_AFTER."""
    lim = dict(limits) if limits is not None else thresholds(conn=conn)
    frame = pd.DataFrame(_stream_rows(conn, now, lim), columns=STREAM_COLUMNS)
    for col in ("last_success_at", "newest_record_at", "last_run_at", "data_through"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("lag_seconds", "age_seconds"):
        frame[col] = frame[col].astype("float64")
    return frame


def by_source(*, conn: Connection, now: datetime, stale_after: timedelta | None = None) -> pd.DataFrame:
    """One row per source in SOURCES (always all four). Columns SOURCE_COLUMNS: source, label
    (str); status ('fresh' | 'stale': down or catching up, its alerts are held back | 'never':
    it has runs but none read anything | 'unknown': no runs at all, not monitored, e.g. data
    imported by hand — the same reading as the rules' freshness); state and reason (the worst
    stream's, tower.rules.source_health); last_success_at (that stream's last good run, UTC),
    age_seconds (float: its data lag), newest_record_at (UTC), lag_seconds (float, worst
    stream), stalest_stream (str), streams, failing_streams (int), stale_after_seconds (float).
    The limit is `stale_after` if given, else the policy's per source, else STALE_AFTER."""
    frame = pd.DataFrame(source_rows(conn=conn, now=now, stale_after=stale_after), columns=SOURCE_COLUMNS)
    frame["last_success_at"] = pd.to_datetime(frame["last_success_at"], utc=True)
    frame["newest_record_at"] = pd.to_datetime(frame["newest_record_at"], utc=True)
    return frame


def source_rows(*, conn: Connection, now: datetime, stale_after: timedelta | None = None) -> list[dict]:
    """`by_source` as plain dicts (times aware datetimes or None, ages float, NaN or inf)."""
    # Plain Python over a dozen stream rows, one frame at the end: every order page and API
    # order lookup reads this, and per-source pandas filtering cost more than the query.
    limits = thresholds(conn=conn) if stale_after is None else {s: stale_after for s in SOURCES}
    streams = _stream_rows(conn, now, {s: limits.get(s, STALE_AFTER) for s in SOURCES})
    out = []
    for source in SOURCES:
        mine = [r for r in streams if r["source"] == source]
        limit = limits.get(source, STALE_AFTER)
        row = {"source": source, "label": SOURCE_LABELS[source], "streams": len(mine),
               "failing_streams": sum(r["last_status"] in ("failed", "fatal") for r in mine),
               "last_success_at": None, "age_seconds": float("nan"), "newest_record_at": None,
               "lag_seconds": float("nan"), "stalest_stream": None, "status": "unknown",
               "stale_after_seconds": limit.total_seconds(), "state": "unknown", "reason": "not monitored"}
        if mine:
            lags = [r["lag_seconds"] for r in mine if not math.isnan(r["lag_seconds"])]
            newest = [r["newest_record_at"] for r in mine if r["newest_record_at"] is not None]
            # The worst stream decides (among equals the most lagging, then the first), as in the rules.
            decisive = min(mine, key=lambda r: (ORDER.index(r["state"]),
                                                -(0.0 if math.isnan(r["lag_seconds"]) else r["lag_seconds"])))
            never = all(r["last_success_at"] is None and r["data_through"] is None for r in mine)
            row.update(
                last_success_at=decisive["last_success_at"],
                age_seconds=float("inf") if never else float(decisive["age_seconds"]),
                newest_record_at=max(newest) if newest else None,
                lag_seconds=max(lags) if lags else float("nan"),
                stalest_stream=decisive["stream"], state=decisive["state"], reason=decisive["reason"],
                status=("never" if never and decisive["state"] == "down"
                        else "stale" if decisive["state"] in HOLDING else "fresh"))
        out.append(row)
    return out


def stale_sources(fresh: pd.DataFrame, depends_on: tuple[str, ...] | list[str] = SOURCES) -> pd.DataFrame:
    """The rows of `by_source` a page depending on `depends_on` should warn about."""
    return fresh[fresh["source"].isin(depends_on) & fresh["status"].isin(["stale", "never"])]
