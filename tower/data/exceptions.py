"""The exceptions page's reads: open exceptions under filters that live in the URL, their
counts and aging, their history, and the exceptions of one order.

An exception's SLA state is read from its own clock: 'breached' once due_at has passed,
'at_risk' after 75% of the time from opened_at to due_at, else 'on_track' ('none' when it has
no due time). Age is now - condition_since (when the condition began, as the facts tell it),
else now - opened_at (when tower raised it): after a backfill a payment 20 days overdue is 20
days old, though tower raised it a minute ago. Times are tz-aware UTC.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Mapping

import pandas as pd
from sqlalchemy.engine import Connection

from tower import params
from tower.data import order_file
from tower.data.csv_safe import neutralise
from tower.data.frames import missing_as_none
from tower.data.scope import Scope
from tower.sqlfiles import load
from tower.store import exceptions as store
from tower.store.exceptions import REASON_CODES, InvalidAction, snooze_until

Q = load(__file__, "exceptions.sql")
AGE_BUCKETS = {1: "< 4 h", 2: "4–24 h", 3: "1–3 d", 4: "3–7 d", 5: "> 7 d"}
SLA_STATES = ("on_track", "at_risk", "breached", "none")
GRID_LIMIT = 300  # rows drawn in the grid (a person works the top of the list, filters find the rest); the CSV has all

LIST_COLUMNS = ["exception_id", "order_id", "kind", "subject", "severity", "status", "team_id", "team_name",
                "assignee", "title", "value_at_risk", "priority", "opened_at", "due_at", "escalation_tier",
                "snoozed_until", "acknowledged_at", "rule", "warehouse", "region", "customer_name",
                "order_stage", "condition_since", "age_hours", "sla_state"]
# URL query key -> Filters field, for the multi-valued filters (comma-separated in the URL).
_MULTI = {"kind": "kinds", "severity": "severities", "team": "teams", "assignee": "assignees",
          "warehouse": "warehouses", "region": "regions", "status": "statuses", "sla": "slas",
          "order": "orders", "id": "ids"}


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    assignees: tuple[str, ...] = ()   # "(unassigned)" selects exceptions nobody holds
    warehouses: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    slas: tuple[str, ...] = ()
    orders: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()         # exception ids (text in the URL)
    min_age_hours: float | None = None
    max_age_hours: float | None = None

    @classmethod
    def from_query(cls, query: Mapping[str, object]) -> "Filters":
        """From URL query values ("kind=a,b&min_age=4"); unknown keys and junk are ignored so
        that an edited link still opens."""
        values: dict[str, object] = {}
        query = params.mapping(query)
        for key, field_name in _MULTI.items():
            values[field_name] = params.texts(query.get(key))
        for key, field_name in (("min_age", "min_age_hours"), ("max_age", "max_age_hours")):
            values[field_name] = params.number(query.get(key), low=0, high=params.MAX_HOURS)
        return cls(**values)  # type: ignore[arg-type]

    def to_query(self) -> dict[str, str]:
        """The URL query for these filters (only the filters that are set)."""
        out = {key: ",".join(getattr(self, name)) for key, name in _MULTI.items() if getattr(self, name)}
        if self.min_age_hours is not None:
            out["min_age"] = f"{self.min_age_hours:g}"
        if self.max_age_hours is not None:
            out["max_age"] = f"{self.max_age_hours:g}"
        return out

    def params(self, *, now: datetime, at_risk: float, scope: Scope) -> dict[str, object]:
        values = {f.name: (list(getattr(self, f.name)) or None) if f.name not in ("min_age_hours", "max_age_hours")
                  else getattr(self, f.name) for f in fields(self)}
        if self.ids:  # ids that are not numbers match nothing rather than lifting the filter
            values["ids"] = exception_ids(self.ids) or [-1]
        values["now"] = now
        values["at_risk"] = at_risk
        values["scope"] = scope.param()
        return values


def open_list(filters: Filters, *, conn: Connection, now: datetime, at_risk: float, scope: Scope,
              limit: int | None = GRID_LIMIT) -> pd.DataFrame:
    """Unresolved exceptions under `filters`, highest priority first (`scope`: the warehouses
    a supervisor is limited to). One row per exception; columns LIST_COLUMNS: exception_id
    (int), order_id (None for integration incidents), kind, subject, severity, status,
    team_id, team_name, assignee, title, rule, warehouse, region, customer_name, order_stage
    (str); value_at_risk, priority, age_hours (float); opened_at, condition_since, due_at,
    snoozed_until, acknowledged_at (UTC); escalation_tier (int); sla_state ('on_track' | 'at_risk' |
    'breached' | None; at risk once `at_risk` of the time to due_at has passed: the policy's
    escalation.at_risk). `limit=None` returns every row (the CSV export)."""
    params = filters.params(now=now, at_risk=at_risk, scope=scope)
    params["limit"] = limit
    rows = conn.execute(Q["open_list"], params).mappings().all()
    frame = pd.DataFrame(rows, columns=LIST_COLUMNS)
    for col in ("opened_at", "condition_since", "due_at", "snoozed_until", "acknowledged_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    for col in ("value_at_risk", "priority", "age_hours"):
        frame[col] = frame[col].astype("float64")
    return missing_as_none(frame)


@dataclass
class Summary:
    by_kind: pd.DataFrame   # kind, n — most first
    by_team: pd.DataFrame   # team_id, team_name, n — most first
    aging: pd.DataFrame     # age_bucket (1-5), bucket (label), severity, n
    total: int


def summary(filters: Filters, *, conn: Connection, now: datetime, at_risk: float,
            scope: Scope) -> Summary:
    """Counts of the same unresolved exceptions `open_list` returns (without its row limit):
    by kind, by team, and by age bucket (AGE_BUCKETS) and severity."""
    rows = conn.execute(Q["open_summary"], filters.params(now=now, at_risk=at_risk, scope=scope)).mappings().all()
    frame = pd.DataFrame(rows, columns=["dimension", "kind", "team_id", "team_name", "age_bucket", "severity", "n"])
    frame["n"] = frame["n"].astype("int64")
    by_kind = frame[frame["dimension"] == "kind"][["kind", "n"]].reset_index(drop=True)
    by_team = frame[frame["dimension"] == "team"][["team_id", "team_name", "n"]].reset_index(drop=True)
    by_team["team_id"] = by_team["team_id"].fillna("(no team)")
    by_team["team_name"] = by_team["team_name"].fillna("(no team)")
    aging = frame[frame["dimension"] == "aging"][["age_bucket", "severity", "n"]].copy()
    aging["age_bucket"] = aging["age_bucket"].astype("int64")
    aging["bucket"] = aging["age_bucket"].map(AGE_BUCKETS)
    aging = aging.sort_values(["age_bucket", "severity"]).reset_index(drop=True)
    return Summary(by_kind, by_team, aging, int(by_kind["n"].sum()))


def facets(*, conn: Connection, scope: Scope) -> dict[str, list[str]]:
    """Values each filter can take now among the exceptions inside `scope`: {"kind": [...],
    "team": [...], "assignee": [...], "warehouse": [...], "region": [...]}, each sorted."""
    out: dict[str, list[str]] = {"kind": [], "team": [], "assignee": [], "warehouse": [], "region": []}
    for row in conn.execute(Q["facets"], {"scope": scope.param()}):
        if row.value is not None:
            out[row.facet].append(row.value)
    return out


HISTORY_COLUMNS = ["event_id", "exception_id", "at", "actor", "action", "from_status", "to_status", "reason",
                   "comment", "detail", "policy_version"]


def history(exception_ids: list[int], *, conn: Connection) -> pd.DataFrame:
    """The audit of these exceptions, newest first per exception. One row per
    exception_events row: event_id, exception_id (int); at (UTC); actor, action, from_status,
    to_status, reason, comment, policy_version (str or None); detail (dict)."""
    rows = conn.execute(Q["history"], {"ids": [int(i) for i in exception_ids]}).mappings().all()
    frame = pd.DataFrame(rows, columns=HISTORY_COLUMNS)
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


def by_ids(exception_ids: list[int], *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """Exceptions by id in any status (within `scope`). One row per exception:
    exception_id (int), order_id, title, status, severity, warehouse, policy_version, origin
    (str or None); detail (dict: the rule's facts and what each system says); snoozed_until,
    resolved_at (UTC); escalation_tier (int)."""
    rows = conn.execute(Q["by_ids"], {"ids": exception_ids_bounded(exception_ids),
                                      "scope": scope.param()}).mappings().all()
    frame = pd.DataFrame(rows, columns=["exception_id", "order_id", "title", "status", "severity", "warehouse",
                                        "detail", "policy_version", "origin", "snoozed_until", "resolved_at",
                                        "escalation_tier"])
    for col in ("snoozed_until", "resolved_at"):
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return missing_as_none(frame)


def one(exception_id: int, *, conn: Connection, scope: Scope) -> dict | None:
    """One exception with its team name and order's warehouse, or None (also outside `scope`)."""
    row = conn.execute(Q["one"], {"exception_id": int(exception_id), "scope": scope.param()}).mappings().first()
    return dict(row) if row else None


def for_order(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """The order's exceptions and the integration incidents it is part of, unresolved first
    (at most 50); empty for an order outside `scope`. One row per exception: exception_id
    (int), kind, severity, status, team_id, team_name, assignee, title, resolution,
    policy_version, origin ('live' | 'history') (str); detail (dict: what each system says);
    opened_at, due_at, resolved_at, snoozed_until (UTC); escalation_tier (int); is_incident
    (bool). A view of tower.data.order_file.read, which the order page and the API use."""
    found = order_file.read(order_id, conn=conn, scope=scope)
    return (found or order_file.OrderFile(header={})).exceptions


def permitted(exception_ids: list[int], *, conn: Connection, scope: Scope) -> list[int]:
    """The ids a user in `scope` may act on (all existing ones when unscoped). Integration
    incidents (no order, no warehouse) are outside any limited warehouse scope."""
    ids = exception_ids_bounded(exception_ids)
    rows = conn.execute(Q["warehouses_of"], {"ids": ids}).all()
    return [int(r.exception_id) for r in rows if scope.sees(r.warehouse)]


MAX_EXCEPTION_ID = 2**63 - 1


def exception_ids(texts) -> list[int]:
    """Exception ids from URL text: ASCII digits that fit a bigint; anything else is dropped
    ("²" is a digit to Python but not an id)."""
    out = []
    for text in texts:
        text = str(text).strip()
        if text.isascii() and text.isdigit() and len(text) <= 19 and int(text) <= MAX_EXCEPTION_ID:
            out.append(int(text))
    return out


def exception_ids_bounded(ids) -> list[int]:
    """Ids given as numbers (from the grid): those that fit a bigint."""
    out = []
    for i in ids:
        try:
            value = int(i)
        except (TypeError, ValueError, OverflowError):
            continue
        if 0 <= value <= MAX_EXCEPTION_ID:
            out.append(value)
    return out


CSV_COLUMNS = ["exception_id", "order_id", "kind", "severity", "status", "sla_state", "team_id", "assignee",
               "title", "warehouse", "region", "customer_name", "value_at_risk", "priority", "opened_at",
               "condition_since", "due_at", "age_hours"]


def to_csv(frame: pd.DataFrame) -> str:
    """The rows as CSV with ISO-8601 UTC times, in the order given; text that a spreadsheet
    would run as a formula is neutralised (tower.data.csv_safe)."""
    out = neutralise(frame[CSV_COLUMNS].copy())
    for col in ("opened_at", "condition_since", "due_at"):
        out[col] = out[col].map(lambda t: t.isoformat() if pd.notna(t) else "")
    out["age_hours"] = out["age_hours"].round(2)
    buffer = io.StringIO()
    # RFC 4180 line ends: the writer then quotes a cell holding a carriage return as well.
    out.to_csv(buffer, index=False, lineterminator="\r\n")
    return buffer.getvalue()


def act(*, conn: Connection, exception_ids: list[int], action: str, actor: str, now: datetime,
        **details: object) -> int:
    """Apply one lifecycle action to the given exceptions and write its audit rows, in the
    caller's transaction (tower.store.exceptions.act; `details`: assignee, comment, reason,
    snoozed_until). Returns how many changed; raises InvalidAction with a plain message."""
    return store.act(conn=conn, exception_ids=exception_ids, action=action, actor=actor, now=now,
                     **details)  # type: ignore[arg-type]


__all__ = ["REASON_CODES", "InvalidAction", "act", "snooze_until"]
