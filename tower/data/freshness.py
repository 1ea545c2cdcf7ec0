"""How fresh each source's view is, from the collectors' run log (collector_runs).

A source is as fresh as its stalest stream: if the WMS shipments stream has not succeeded for
47 minutes, "WMS data is 47 min old" even when its picks stream is current.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load

Q = load(__file__, "freshness.sql")
SOURCES = ("erp", "wms", "carrier", "finance")
SOURCE_LABELS = {"erp": "ERP", "wms": "WMS", "carrier": "Carrier", "finance": "Finance"}
# A poll runs every few seconds; five minutes without a successful one is an outage, not jitter.
STALE_AFTER = timedelta(minutes=5)

STREAM_COLUMNS = ["source", "stream", "last_success_at", "lag_seconds", "newest_record_at",
                  "last_status", "last_run_at", "last_error", "age_seconds"]
SOURCE_COLUMNS = ["source", "label", "status", "last_success_at", "age_seconds", "newest_record_at",
                  "lag_seconds", "stalest_stream", "streams", "failing_streams", "stale_after_seconds"]


def by_stream(*, conn: Connection, now: datetime) -> pd.DataFrame:
    """One row per (source, stream) that has ever run. Columns: source, stream (str);
    last_success_at, newest_record_at, last_run_at (tz-aware UTC, NaT if none); lag_seconds
    (float: newest record to end of the last good run); last_status, last_error (str);
    age_seconds (float: now - last_success_at, NaN if never succeeded)."""
    rows = conn.execute(Q["by_stream"]).mappings().all()
    frame = pd.DataFrame(rows, columns=STREAM_COLUMNS[:-1])
    for col in ("last_success_at", "newest_record_at", "last_run_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    frame["lag_seconds"] = frame["lag_seconds"].astype("float64")
    frame["age_seconds"] = (pd.Timestamp(now) - frame["last_success_at"]).dt.total_seconds()
    return frame


def thresholds(*, conn: Connection) -> dict[str, timedelta]:
    """source -> how long without a successful poll before it counts as stale (the policy's)."""
    return {row.source: timedelta(minutes=float(row.max_lag_minutes))
            for row in conn.execute(Q["thresholds"])}


def by_source(*, conn: Connection, now: datetime, stale_after: timedelta | None = None) -> pd.DataFrame:
    """One row per source in SOURCES (always all four). Columns: source, label (str); status
    ('fresh' | 'stale' | 'never': it has runs but none succeeded | 'unknown': no runs at all,
    not monitored, e.g. data imported by hand — the same reading as the rules' freshness);
    last_success_at (the stalest stream's last good run, UTC), age_seconds (float),
    newest_record_at (UTC), lag_seconds (float, worst stream), stalest_stream (str), streams,
    failing_streams (int), stale_after_seconds (float). The limit is `stale_after` if given,
    else the policy's per source (source_thresholds), else STALE_AFTER."""
    streams = by_stream(conn=conn, now=now)
    limits = {} if stale_after is not None else thresholds(conn=conn)
    out = []
    for source in SOURCES:
        mine = streams[streams["source"] == source]
        row = {"source": source, "label": SOURCE_LABELS[source], "streams": len(mine),
               "failing_streams": int((mine["last_status"].isin(["failed", "fatal"])).sum()),
               "last_success_at": pd.NaT, "age_seconds": float("nan"), "newest_record_at": pd.NaT,
               "lag_seconds": float("nan"), "stalest_stream": None, "status": None}
        if mine.empty:
            # No runs at all: not monitored (a store fed by imports), which is not an outage.
            row["status"] = "unknown"
        elif mine["last_success_at"].isna().all():
            row["status"] = "never"
            row["stalest_stream"] = mine.iloc[0]["stream"]
        else:
            # A stream that never succeeded makes the whole source as stale as can be.
            never = mine[mine["last_success_at"].isna()]
            worst = mine.sort_values("last_success_at").iloc[0] if never.empty else never.iloc[0]
            row.update(
                last_success_at=mine["last_success_at"].min() if never.empty else pd.NaT,
                age_seconds=float(mine["age_seconds"].max()) if never.empty else float("inf"),
                newest_record_at=mine["newest_record_at"].max(),
                lag_seconds=float(mine["lag_seconds"].max()) if mine["lag_seconds"].notna().any() else float("nan"),
                stalest_stream=worst["stream"],
            )
        limit = stale_after or limits.get(source, STALE_AFTER)
        row["stale_after_seconds"] = limit.total_seconds()
        if row.get("status") is None:
            row["status"] = "stale" if row["age_seconds"] > limit.total_seconds() else "fresh"
        out.append(row)
    frame = pd.DataFrame(out, columns=SOURCE_COLUMNS)
    frame["last_success_at"] = pd.to_datetime(frame["last_success_at"], utc=True)
    frame["newest_record_at"] = pd.to_datetime(frame["newest_record_at"], utc=True)
    return frame


def stale_sources(fresh: pd.DataFrame, depends_on: tuple[str, ...] | list[str] = SOURCES) -> pd.DataFrame:
    """The rows of `by_source` a page depending on `depends_on` should warn about."""
    return fresh[fresh["source"].isin(depends_on) & fresh["status"].isin(["stale", "never"])]
