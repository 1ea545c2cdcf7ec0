"""Maintain the facts of /flow: the business calendars as data, and per order its transitions
and its conformance verdict.

The facts of an order are a function of its milestones and the policy, so the job finds the
orders whose stored facts were built from a different milestone count or another policy
version, deletes their facts and rebuilds them set-based in SQL — the same statements for the
minute's few changed orders and for a full rebuild of a million. The caller owns the
transaction of `refresh`; `run` drains batch by batch, each batch committed.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Sequence

from sqlalchemy.engine import Connection, Engine

from tower import clock, sqlfiles
from tower.evaluation.freshness import catching_up
from tower.milestones import KINDS
from tower.process import rollup
from tower.rules.flow_model import FlowModel
from tower.rules.policy import Policy

_Q = sqlfiles.load(__file__, "refresh.sql")
# Wide enough for any order a distributor still looks at; an event outside it has no
# business duration (NULL), never a wrong one.
CALENDAR_FIRST = date(2000, 1, 1)
CALENDAR_LAST = date(2040, 12, 31)
# A batch's statements grow faster than linearly past 20,000 orders on two cores; smaller
# batches fold the same day rows more often (the rollup's rows are per day and dimension, not
# per order).
BATCH_ORDERS = 20_000
# A run goes on while orders are stale, up to this long: after a backfill the whole store is
# stale, and a run that stopped after one batch left the rest to the next minute's run (one
# batch of 20,000 takes about 40 s on its own, more beside the rules). In a steady stream a run
# is a fraction of one small batch.
BUDGET_SECONDS = 240.0
MAX_WAIT_SECONDS = 15 * 60.0   # the longest /flow waits for sources to catch up
# An order with no flow model in the policy still gets its process map; nothing is a deviation.
_EMPTY_MODEL = FlowModel((), frozenset(), frozenset(), frozenset(), frozenset(), ())


@dataclass
class RefreshResult:
    batches: int = 0
    orders: int = 0
    seconds: float = 0.0
    caught_up: bool = False
    waiting_for: tuple[str, ...] = ()   # sources catching up: nothing was refreshed


def ensure_calendars(*, conn: Connection, policy: Policy) -> bool:
    """Write the policy's calendars as day rows unless they are already this version's; True
    when they were (re)written."""
    row = conn.execute(_Q["calendars_version"]).one()
    if row.n == len(policy.calendars) and row.low == row.high == policy.version:
        return False
    for name in ("clear_calendar_days", "clear_calendars", "clear_warehouse_calendars"):
        conn.execute(_Q[name])
    for name, cal in policy.calendars.items():
        conn.execute(_Q["insert_calendar_days"], {
            "calendar": name, "tz": cal.tz.key, "opens": cal.opens, "closes": cal.closes,
            "first": CALENDAR_FIRST, "last": CALENDAR_LAST, "days": sorted(cal.days),
            "holidays": sorted(cal.holidays)})
        conn.execute(_Q["insert_calendar"], {"calendar": name, "tz": cal.tz.key, "version": policy.version})
    mapping = {code: spec.get("calendar", policy.default_calendar) for code, spec in policy.warehouses.items()}
    mapping["*"] = policy.default_calendar
    for warehouse, calendar in mapping.items():
        conn.execute(_Q["insert_warehouse_calendar"], {"warehouse": warehouse, "calendar": calendar})
    return True


def model_parameters(model: FlowModel | None) -> dict[str, Any]:
    """The flow model as the arrays the conformance SQL binds."""
    model = model or _EMPTY_MODEL
    stage_of = model.stage_of
    kinds = list(KINDS)
    dims: dict[str, list[str | None]] = {"warehouse": [], "channel": [], "customer_tier": []}
    for a in model.accepted:
        match = dict(a.match)
        for key, values in dims.items():
            values.append(match.get(key))
    return {
        "kinds": kinds, "ranks": [KINDS[k].rank for k in kinds],
        "stages": [stage_of.get(k) for k in kinds],
        "mandatory": [k in model.mandatory for k in kinds],
        "repeatable": [k in model.repeatable for k in kinds],
        "after_cancellation": sorted(model.after_cancellation),
        "pre_names": [p.name for p in model.prerequisites],
        "pre_steps": [p.step for p in model.prerequisites],
        "pre_needs": [p.needs for p in model.prerequisites],
        "pre_if_seen": [p.if_seen for p in model.prerequisites],
        "acc_deviations": [a.deviation for a in model.accepted],
        "acc_steps": [a.step for a in model.accepted],
        "acc_warehouses": dims["warehouse"], "acc_channels": dims["channel"], "acc_tiers": dims["customer_tier"],
    }


def refresh(*, conn: Connection, policy: Policy, order_ids: Sequence[str]) -> int:
    """Rebuild the facts of `order_ids` (their transitions and verdicts); the number rebuilt."""
    if not order_ids:
        return 0
    ensure_calendars(conn=conn, policy=policy)
    ids = list(order_ids)
    params = model_parameters(policy.flow_model)
    # A batch sorts every event of its orders several times (per object, per order); in memory
    # that is several times faster than spilling to disk. SET LOCAL ends with the transaction.
    conn.execute(_Q["work_mem"])
    rollup.begin(conn=conn)
    rollup.subtract(conn=conn, order_ids=ids)   # what they counted for before ...
    conn.execute(_Q["delete_transitions"], {"order_ids": ids})
    conn.execute(_Q["delete_orders"], {"order_ids": ids})
    conn.execute(_Q["insert_transitions"], {"order_ids": ids, "kinds": params["kinds"], "ranks": params["ranks"]})
    conn.execute(_Q["insert_orders"], {**params, "order_ids": ids, "version": policy.version})
    rollup.add(conn=conn, order_ids=ids)        # ... and now
    rollup.fold(conn=conn)
    return len(ids)


def stale(*, conn: Connection, policy: Policy, limit: int) -> list[str]:
    """Up to `limit` orders whose facts are missing or out of date."""
    return list(conn.execute(_Q["stale_orders"], {"version": policy.version, "limit": limit}).scalars())


@dataclass
class CatchUpWait:
    """The job's pause while sources read a backlog (the collector process keeps one).

    While history pours in, an order's facts would be rebuilt every minute only to be rebuilt
    again the next (in a fresh demo that was half of one core for the whole catch-up, taken
    from the collectors); /flow is a view of history, so it waits and rebuilds once the
    sources have caught up. A source that stays behind for longer than `max_seconds` (a
    backlog that keeps growing) does not freeze /flow: the job then runs once every
    `max_seconds`."""

    max_seconds: float = MAX_WAIT_SECONDS
    since: float | None = None   # monotonic time the current wait began

    def holds(self, behind: tuple[str, ...], *, at: float) -> bool:
        if not behind:
            self.since = None
            return False
        if self.since is None:
            self.since = at
        if at - self.since >= self.max_seconds:
            self.since = at
            return False
        return True


def run(engine: Engine, *, policy: Policy, batch: int = BATCH_ORDERS,
        budget_seconds: float = BUDGET_SECONDS, wait: CatchUpWait | None = None,
        now: datetime | None = None) -> RefreshResult:
    """Refresh stale orders batch by batch (each committed) until none is left or the budget
    is spent; with `wait`, nothing while it holds (sources catching up at `now`)."""
    started = time.monotonic()
    result = RefreshResult()
    if wait is not None:
        with engine.begin() as conn:
            behind = catching_up(conn=conn, policy=policy, now=now or clock.now())
        if wait.holds(behind, at=started):
            result.waiting_for = behind
            return result
    while True:
        with engine.begin() as conn:
            ids = stale(conn=conn, policy=policy, limit=batch)
            taken = refresh(conn=conn, policy=policy, order_ids=ids)
        if taken == 0:
            result.caught_up = True
            break
        result.batches += 1
        result.orders += taken
        if time.monotonic() - started >= budget_seconds:
            break
    result.seconds = time.monotonic() - started
    return result
