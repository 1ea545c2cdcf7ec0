"""Read functions for /queues: open orders per warehouse x stage, their age and throughput,
the orders in one cell, and the 24-hour trend from queue_snapshots.

The matrix is the latest queue snapshot (the snapshot job of the collector process writes one
a minute from `queue_items`, which the analytics job keeps); the cell lists read
`queue_items`, throughput `order_stage_times`. Figures are as of the last run (`as_of`), a
minute behind the orders at most, and cost the same at 1M orders as at 1k.

Ages are wall-clock seconds since the order entered its current stage. The share of its time
used is measured against the order's own due time (set by the rules worker with the
warehouse's business calendar) when it has one, else against the stage's critical time
from the SLA policy on the wall clock.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Mapping, Sequence

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.frames import missing_as_none
from tower.data.scope import Scope
from tower.sqlfiles import load

_Q = load(__file__, "queues.sql")

# Open stages in flow order, the stage an order moves to next, and how supervisors call them.
OPEN_STAGES = ("entered", "validated", "released", "picked", "packed", "shipped", "delivered", "invoiced")
WAREHOUSE_STAGES = ("released", "picked", "packed")
NEXT = dict(zip(OPEN_STAGES, OPEN_STAGES[1:] + ("paid",)))
STAGE_LABELS = {
    "entered": "Entry", "validated": "Release", "released": "Pick", "picked": "Pack",
    "packed": "Ship", "shipped": "In transit", "delivered": "To invoice", "invoiced": "To be paid",
}
BUCKETS = ("b_fresh", "b_watch", "b_at_risk", "b_late")
BUCKET_LABELS = {"b_fresh": "under 50%", "b_watch": "50–75%", "b_at_risk": "at risk (75–100%)",
                 "b_late": "late (over 100%)"}
MATRIX_COLUMNS = ["warehouse", "stage", "stage_label", "depth", "oldest_age_seconds", *BUCKETS,
                  "throughput_per_hour", "critical_hours", "state", "taken_at", "workable",
                  "waiting_on_stock"]
# Who owns the orders of a queue that wait on stock (the policy's backorder hold team).
STOCK_OWNER = "inventory planning"
CELL_COLUMNS = ["order_id", "customer_name", "customer_tier", "value", "entered_at", "age_seconds",
                "due_at", "sla_state", "waiting_on", "owner_team", "promised_at"]
TREND_COLUMNS = ["taken_at", "stage", "depth", "oldest_age_seconds"]


def cell_state(row: pd.Series | dict) -> str:
    """'late', 'at_risk', 'ok' or 'empty' for the work the warehouse can do in one cell (the
    worst bucket holding such an order); 'stock' when every order in it waits on stock."""
    if not row.get("workable", row["depth"]):
        return "stock" if row.get("waiting_on_stock") else "empty"
    if row["b_late"]:
        return "late"
    if row["b_at_risk"]:
        return "at_risk"
    return "ok"


def matrix(*, conn: Connection, now: datetime, critical_hours: Mapping[str, float], scope: Scope,
           stages: Sequence[str] = WAREHOUSE_STAGES, throughput_hours: float = 1.0) -> pd.DataFrame:
    """One row per (warehouse, stage) holding at least one open order in the latest queue
    snapshot at or before `now`, ordered by warehouse then flow. Columns MATRIX_COLUMNS: depth
    int; oldest_age_seconds float (carried forward to `now`); b_fresh, b_watch, b_at_risk,
    b_late int (orders by share of their time used, at the snapshot); throughput_per_hour
    float (orders that left the stage per hour over the last `throughput_hours`); workable
    int (orders the warehouse can work), waiting_on_stock int (orders held by a backorder,
    STOCK_OWNER's), the buckets counting the workable ones only;
    critical_hours float (from `critical_hours`, the policy's: tower.kpis.sla.critical_hours);
    state str (cell_state); taken_at tz-aware UTC (the snapshot). Only warehouses inside `scope`.
    Empty before the first snapshot."""
    stages = [s for s in OPEN_STAGES if s in set(stages)]
    params = {"now": now, "stages": stages, "warehouses": scope.param()}
    rows = conn.execute(_Q["matrix"], params).mappings().all()
    df = pd.DataFrame(rows, columns=MATRIX_COLUMNS[:2] + ["depth", "oldest_age_seconds", *BUCKETS, "taken_at"])
    out = throughput(conn=conn, now=now, scope=scope, hours=throughput_hours)
    df["throughput_per_hour"] = [out.get((w, NEXT[s]), 0) / throughput_hours
                                 for w, s in zip(df["warehouse"], df["stage"])]
    held: dict[tuple[str, str], Mapping[str, Any]] = {
        (r["warehouse"], r["stage"]): dict(r) for r in conn.execute(_Q["stock_holds"], params).mappings()}
    none_held: Mapping[str, Any] = {}
    df["waiting_on_stock"] = [int(held.get((w, s), none_held).get("n", 0)) for w, s in zip(df["warehouse"], df["stage"])]
    df["workable"] = (df["depth"] - df["waiting_on_stock"]).clip(lower=0).astype(int)
    # The buckets and the state are the warehouse's work: orders waiting on stock are counted
    # apart (they are inventory planning's), so Pick is not red because stock is short.
    for b in BUCKETS:
        df[b] = [max(int(v) - int(held.get((w, s), none_held).get(b, 0)), 0)
                 for v, w, s in zip(df[b], df["warehouse"], df["stage"])]
    df["stage_label"] = df["stage"].map(STAGE_LABELS)
    df["critical_hours"] = df["stage"].map(dict(critical_hours)).astype("float64")
    df["state"] = [cell_state(r) for r in df.to_dict("records")]
    df["_order"] = df["stage"].map({s: i for i, s in enumerate(OPEN_STAGES)})
    df = df.sort_values(["warehouse", "_order"]).drop(columns="_order").reset_index(drop=True)
    return df[MATRIX_COLUMNS]


def throughput(*, conn: Connection, now: datetime, scope: Scope,
               hours: float = 1.0) -> dict[tuple[str, str], int]:
    """{(warehouse, stage): orders that entered the stage in the last `hours`}."""
    rows = conn.execute(_Q["arrivals"], {"now": now, "since": now - timedelta(hours=hours),
                                         "warehouses": scope.param()})
    return {(r.warehouse, r.stage): int(r.n) for r in rows}


def cell_orders(*, conn: Connection, now: datetime, warehouse: str, stage: str, scope: Scope,
                limit: int = 200) -> pd.DataFrame:
    """The open orders of one queue cell, oldest first (none for a warehouse outside `scope`).
    Columns CELL_COLUMNS: entered_at, due_at, promised_at tz-aware UTC; age_seconds float;
    value float; sla_state str|None."""
    rows = conn.execute(_Q["cell_orders"], {"now": now, "warehouse": warehouse, "stage": stage,
                                            "limit": limit, "warehouses": scope.param()}).mappings().all()
    return missing_as_none(pd.DataFrame(rows, columns=CELL_COLUMNS))


def trend(*, conn: Connection, now: datetime, hours: float = 24, stages: Sequence[str] = WAREHOUSE_STAGES,
          scope: Scope, step_minutes: int = 5) -> pd.DataFrame:
    """Queue snapshots of the last `hours`, oldest first: one row per (time bin of
    `step_minutes`, stage) with a non-empty queue, depth summed over the warehouses in scope
    and averaged over the bin's snapshots. Columns TREND_COLUMNS: taken_at tz-aware UTC (bin
    start); depth int; oldest_age_seconds float (the oldest in any warehouse). A stage missing
    in a bin was empty then."""
    rows = conn.execute(_Q["trend"], {"now": now, "since": now - timedelta(hours=hours),
                                      "stages": list(stages), "step_minutes": step_minutes,
                                      "warehouses": scope.param()}).mappings().all()
    return pd.DataFrame(rows, columns=TREND_COLUMNS)


FLOW = (*OPEN_STAGES, "paid")
MAX_POINTS = 300  # a trend needs a few hundred points, whatever its range


def step_minutes_for(since: datetime, until: datetime) -> int:
    """A step of at least 5 minutes that gives at most about MAX_POINTS points over the range."""
    minutes = max(1.0, (until - since).total_seconds() / 60)
    for step in (5, 10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880, 10080):
        if minutes / step <= MAX_POINTS:
            return step
    return int(minutes // MAX_POINTS) + 1


def trend_between(*, conn: Connection, since: datetime, until: datetime, scope: Scope,
                  stages: Sequence[str] = WAREHOUSE_STAGES) -> tuple[pd.DataFrame, str]:
    """The depth trend over any range [since, until), with what it was read from: the queue
    snapshots ("snapshots", as `trend`) when they cover the range, else rebuilt from the
    orders' stage times ("stage times": the depth at the end of each step, oldest_age_seconds
    NaN), so imported history has a trend too. Same columns as `trend`
    (TREND_COLUMNS); the step grows with the range (step_minutes_for)."""
    step = step_minutes_for(since, until)
    first = conn.execute(_Q["first_snapshot"]).scalar_one()
    if first is not None and first <= since:
        hours = (until - since).total_seconds() / 3600
        return trend(conn=conn, now=until, hours=hours, stages=stages, scope=scope, step_minutes=step), "snapshots"
    rows = conn.execute(_Q["rebuilt_trend"], {"since": since, "until": until, "stages": list(stages),
                                              "flow": list(FLOW), "step_minutes": step,
                                              "warehouses": scope.param()}).mappings().all()
    frame = pd.DataFrame(rows, columns=TREND_COLUMNS)
    frame["oldest_age_seconds"] = frame["oldest_age_seconds"].astype("float64")
    return frame, "stage times"


def as_of(*, conn: Connection) -> datetime | None:
    """When the analytics job last brought the queue figures up to date (None: never)."""
    return conn.execute(_Q["as_of"]).scalar_one()
