"""The periodic SLA sweep: move clocks for orders that received no event.

`run_sweep(engine, now=None)` runs in one transaction, set-based throughout:
  1. source freshness -> integration incidents (open/refresh, hold and link the orders waiting
     on a stale source; resolve and re-queue when the source has caught up);
  2. orders whose `next_check_at` passed (an at-risk / due / escalation instant or a rule timer
     such as "no carrier scan 12 h after ship"): `sla_state` moved in SQL, and the order queued
     for the rules worker, which raises exceptions and sets the next check;
  3. exceptions past 100% / 150% of their SLA escalate to the team lead / manager (audited);
  4. snoozes that ended return to their earlier status (audited); priorities re-rated where
     the whole hours to their due time changed since the last sweep.
Returns the number of orders queued. The collector process schedules it every minute.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from tower import clock, sqlfiles
from tower.db import raw
from tower.evaluation.freshness import source_freshness
from tower.evaluation.incidents import sync_incidents
from tower.evaluation.policy_sync import ensure
from tower.rules.policy import Policy

_SQL = sqlfiles.load_raw(__file__, "sweep.sql")
# Seconds per step of the last sweep in this process (for the bench).
LAST_TIMINGS: dict[str, float] = {}


def run_sweep(engine: Engine, *, now: datetime | None = None, policy: Policy | None = None) -> int:
    from tower.evaluation.worker import current_policy

    started = time.perf_counter()
    now = now or clock.now()
    policy = policy or current_policy()
    timings: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        timings[name] = round(time.perf_counter() - mark, 4)
        mark = time.perf_counter()

    with engine.begin() as conn:
        ensure(conn=conn, policy=policy, now=now)
        freshness = source_freshness(conn=conn, policy=policy, now=now)
        sync_incidents(conn=conn, freshness=freshness, policy=policy, now=now)
        lap("incidents")
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["queue_and_move_due"], {"now": now})
            due = cur.fetchone()[0]
            lap("orders_due")
            cur.execute(_SQL["escalate"], {"now": now})
            escalated = max(cur.rowcount, 0)
            lap("escalate")
            cur.execute(_SQL["unsnooze"], {"now": now})
            unsnoozed = max(cur.rowcount, 0)
            cur.execute(_SQL["last_sweep"], {"now": now})
            last = cur.fetchone()[0]
            if last is None or now - last > timedelta(hours=1):
                cur.execute(_SQL["reprioritise"], {"now": now})
            else:
                cur.execute(_SQL["reprioritise_ticks"], {"now": now, "last": last})
            lap("reprioritise")
            cur.execute(_SQL["record"], {
                "now": now, "due": due, "escalated": escalated, "unsnoozed": unsnoozed,
                "stale": sorted(s for s, f in freshness.items() if f.stale),
                "seconds": time.perf_counter() - started})
    lap("commit")
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update(timings)
    return due
