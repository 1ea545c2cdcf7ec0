"""Read functions for /integrations: each collector stream's health, recent failures, dead
letters and open integration incidents with the orders and value they hold.

Status per stream, in words (the page never shows it by colour alone):
    down      no successful run within the source's staleness limit (policy
              freshness_minutes), or never succeeded, or the last run failed fatally
    degraded  fresh, but failed runs among the recent ones, or its lag is over half the limit
    up        otherwise
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data import freshness
from tower.data.frames import missing_as_none
from tower.data.scope import Scope
from tower.sqlfiles import load
from tower.store import dead_letters

_Q = load(__file__, "integrations.sql")
RECENT_RUNS = 100
STREAM_COLUMNS = ["source", "stream", "status", "status_reason", "last_success_at", "age_seconds",
                  "lag_seconds", "newest_record_at", "last_status", "last_run_at", "last_error",
                  "runs", "failed_runs", "error_rate", "records_per_run", "open_dead_letters",
                  "limit_seconds"]
ERROR_COLUMNS = ["run_id", "source", "stream", "started_at", "finished_at", "status", "error"]
INCIDENT_COLUMNS = ["exception_id", "source", "title", "severity", "status", "opened_at", "due_at",
                    "assignee", "detail", "orders", "value"]
INCIDENT_ORDER_COLUMNS = ["order_id", "customer_name", "warehouse", "stage", "value", "sla_state",
                          "waiting_on"]


def limits(*, conn: Connection, default: Mapping[str, timedelta]) -> dict[str, timedelta]:
    """source -> staleness limit: the rules' synced thresholds, else `default` (the running
    policy's, tower.kpis.sla.freshness_limits)."""
    return freshness.thresholds(conn=conn) or dict(default)


def stream_status(row: dict, limit: timedelta) -> tuple[str, str]:
    """(status, reason in words) for one stream row (see the module docstring)."""
    age = row.get("age_seconds")
    if row.get("last_status") == "fatal":
        return "down", "the last run failed with an error that retrying will not fix"
    if age is None or pd.isna(age):
        return "down", "no successful run yet"
    if age > limit.total_seconds():
        return "down", f"no successful run for {age / 60:.0f} min (limit {limit.total_seconds() / 60:.0f} min)"
    if row.get("failed_runs"):
        return "degraded", f"{row['failed_runs']} of the last {row['runs']} runs failed"
    lag = row.get("lag_seconds")
    if lag is not None and not pd.isna(lag) and lag > limit.total_seconds() / 2:
        return "degraded", f"lagging {lag / 60:.0f} min behind the source"
    return "up", "polling normally"


def streams(*, conn: Connection, now: datetime, default_limits: Mapping[str, timedelta]) -> pd.DataFrame:
    """One row per (source, stream) that ever ran, by source then stream. Columns
    STREAM_COLUMNS: status up|degraded|down, status_reason str; times tz-aware UTC;
    age_seconds, lag_seconds float; runs, failed_runs int and error_rate float over the last
    RECENT_RUNS finished runs; records_per_run float (successful runs); open_dead_letters int;
    limit_seconds float (the staleness limit used: `limits`)."""
    base = freshness.by_stream(conn=conn, now=now)
    if base.empty:
        return pd.DataFrame(columns=STREAM_COLUMNS)
    stats = pd.DataFrame(conn.execute(_Q["run_stats"], {
        "sources": list(base["source"]), "streams": list(base["stream"]), "runs": RECENT_RUNS,
    }).mappings().all(), columns=["source", "stream", "runs", "failed_runs", "records_per_run", "since"])
    letters = pd.DataFrame(conn.execute(_Q["open_dead_letters"]).mappings().all(),
                           columns=["source", "stream", "open_dead_letters"])
    df = base.merge(stats.drop(columns="since"), on=["source", "stream"], how="left") \
             .merge(letters, on=["source", "stream"], how="left")
    df["runs"] = df["runs"].fillna(0).astype(int)
    df["failed_runs"] = df["failed_runs"].fillna(0).astype(int)
    df["open_dead_letters"] = df["open_dead_letters"].fillna(0).astype(int)
    df["records_per_run"] = df["records_per_run"].astype("float64")
    df["error_rate"] = (df["failed_runs"] / df["runs"].where(df["runs"] > 0)).astype("float64")
    lim = limits(conn=conn, default=default_limits)
    default = timedelta(minutes=15)
    states = [stream_status(r, lim.get(r["source"], default)) for r in df.to_dict("records")]
    df["status"] = [s for s, _ in states]
    df["status_reason"] = [r for _, r in states]
    df["limit_seconds"] = [lim.get(s, default).total_seconds() for s in df["source"]]
    return df[STREAM_COLUMNS].reset_index(drop=True)


def recent_errors(*, conn: Connection, limit: int = 20) -> pd.DataFrame:
    """The latest failed runs, newest first. Columns ERROR_COLUMNS; times tz-aware UTC."""
    return missing_as_none(pd.DataFrame(conn.execute(_Q["recent_errors"], {"limit": limit}).mappings().all(),
                                        columns=ERROR_COLUMNS))


PAYLOAD_OUT_OF_SCOPE = {"hidden": "a record as the source sent it may be about any warehouse"}


def open_dead_letters(*, conn: Connection, scope: Scope, source: str | None = None, limit: int = 200) -> pd.DataFrame:
    """Open dead letters, oldest first (tower.store.dead_letters.LIST_COLUMNS). A dead letter
    belongs to no warehouse, so a limited `scope` sees its reason but not its payload."""
    frame = missing_as_none(dead_letters.list_letters(conn=conn, source=source, status="open", limit=limit))
    if scope.limited:
        frame["payload"] = [PAYLOAD_OUT_OF_SCOPE] * len(frame)
    return frame


def incidents(*, conn: Connection, scope: Scope) -> pd.DataFrame:
    """Open integration incidents, newest first. Columns INCIDENT_COLUMNS: source is the stale
    source; orders int and value float are the orders it holds (incident_orders) inside
    `scope` and their total order value."""
    return missing_as_none(pd.DataFrame(conn.execute(_Q["incidents"], {"warehouses": scope.param()}).mappings().all(),
                                        columns=INCIDENT_COLUMNS))


def incident_orders(*, conn: Connection, exception_id: int, scope: Scope, limit: int = 200) -> pd.DataFrame:
    """The orders inside `scope` an incident holds, largest value first. Columns
    INCIDENT_ORDER_COLUMNS."""
    return missing_as_none(pd.DataFrame(conn.execute(_Q["incident_orders"], {
        "exception_id": exception_id, "limit": limit, "warehouses": scope.param()}).mappings().all(),
        columns=INCIDENT_ORDER_COLUMNS))


def request_replay(*, conn: Connection, ids: list[int], by: str, now: datetime) -> int:
    """Ask the collector process to map the given open dead letters again with its current
    mapping (its dead-letter job does it within seconds); returns how many were marked. An
    action, not a read: the caller checks the user may do it and owns the transaction."""
    return dead_letters.request_replay(conn=conn, ids=ids, by=by, now=now)
