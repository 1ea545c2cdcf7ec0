"""Read functions for /teams: how each team is doing with its exceptions, and who carries
the open work.

Open, at risk and overdue are counted at `now` (an "as of" time: the exceptions opened by then
and not yet resolved then); the rates (SLA adherence, MTTA, MTTR, escalations, reopen rate) over
the period [since, until) — default [now - days, now) — from the exceptions and their audit trail
(exception_events: 'escalated', 'reopened' and 'resolved' entries).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.scope import Scope
from tower.sqlfiles import load

_Q = load(__file__, "teams.sql")
NO_TEAM = "(no team)"
SUMMARY_COLUMNS = ["team_id", "name", "lead_name", "open", "at_risk", "overdue", "unassigned",
                   "value_at_risk", "resolved", "resolved_in_time", "sla_adherence",
                   "mtta_seconds", "mttr_seconds", "acknowledged", "escalations", "reopens",
                   "resolutions", "reopen_rate"]
WORKLOAD_COLUMNS = ["team_id", "assignee", "open", "at_risk", "overdue", "oldest_opened_at",
                    "value_at_risk"]


def summary(*, conn: Connection, now: datetime, at_risk: float, scope: Scope, days: int = 7,
            since: datetime | None = None, until: datetime | None = None) -> pd.DataFrame:
    """One row per team (every team in `teams`, plus NO_TEAM if exceptions lack one), busiest
    first. Columns SUMMARY_COLUMNS: counts int; value_at_risk float; sla_adherence float|NaN
    (resolved by their due time / resolved in the period); mtta_seconds, mttr_seconds
    float|NaN (mean time to acknowledge / resolve, exceptions acknowledged / resolved in the
    period); reopen_rate float|NaN (reopened events / resolved events in the period).
    A limited `scope` counts its warehouses' exceptions and lists only teams holding any.
    `since`/`until` give the rates' period (default the `days` before `now`)."""
    rows = conn.execute(_Q["summary"], {"now": now, "since": since or now - timedelta(days=days),
                                        "until": min(until, now) if until else now,
                                        "at_risk": at_risk, "warehouses": scope.param()}).mappings().all()
    df = pd.DataFrame(rows, columns=[c for c in SUMMARY_COLUMNS if c not in ("sla_adherence", "reopen_rate")])
    df["team_id"] = df["team_id"].fillna(NO_TEAM)
    df["name"] = [n if isinstance(n, str) else t for n, t in zip(df["name"], df["team_id"])]
    for col in ("mtta_seconds", "mttr_seconds", "value_at_risk"):
        df[col] = df[col].astype("float64")
    df["sla_adherence"] = (df["resolved_in_time"] / df["resolved"].where(df["resolved"] > 0)).astype("float64")
    df["reopen_rate"] = (df["reopens"] / df["resolutions"].where(df["resolutions"] > 0)).astype("float64")
    df = df.sort_values(["overdue", "open", "team_id"], ascending=[False, False, True]).reset_index(drop=True)
    return df[SUMMARY_COLUMNS]


def workload(*, conn: Connection, now: datetime, at_risk: float, scope: Scope,
             team: str | None = None, past: bool = False) -> pd.DataFrame:
    """One row per (team, assignee) with exceptions open at `now` inside `scope`; assignee None =
    not assigned. `past`: `now` is an "as of" time before the present, so each exception counts
    under the assignee it had then (from the audit trail), not today's. Columns WORKLOAD_COLUMNS:
    counts int; oldest_opened_at tz-aware UTC; value_at_risk float."""
    rows = conn.execute(_Q["workload"], {"now": now, "team": team, "at_risk": at_risk, "past": past,
                                         "warehouses": scope.param()}).mappings().all()
    df = pd.DataFrame(rows, columns=WORKLOAD_COLUMNS)
    df["team_id"] = df["team_id"].fillna(NO_TEAM)
    # Keep "not assigned" as None (pandas would make it NaN in a text column).
    df["assignee"] = pd.Series([a if isinstance(a, str) else None for a in df["assignee"]],
                               index=df.index, dtype=object)
    return df
