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
from tower.db import raw, scalar
from tower.evaluation.freshness import source_freshness
from tower.evaluation.incidents import sync_incidents
from tower.evaluation.policy_sync import ensure
from tower.evaluation.timing import Laps
from tower.rules.policy import Policy

_SQL = sqlfiles.load_psycopg(__file__, "sweep.sql")
# Seconds per step of the last sweep in this process (for the bench).
LAST_TIMINGS: dict[str, float] = {}


def run_sweep(engine: Engine, *, policy: Policy, now: datetime | None = None) -> int:
    started = time.perf_counter()
    now = now or clock.now()
    laps = Laps()
    lap = laps.lap

    with engine.begin() as conn:
        ensure(conn=conn, policy=policy, now=now)
        freshness = source_freshness(conn=conn, policy=policy, now=now)
        sync_incidents(conn=conn, freshness=freshness, policy=policy, now=now)
        lap("incidents")
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["move_sla_state"], {"now": now})
            cur.execute(_SQL["queue_due"], {"now": now})
            due = max(cur.rowcount, 0)
            lap("orders_due")
            cur.execute(_SQL["escalate"], {"now": now})
            escalated = max(cur.rowcount, 0)
            lap("escalate")
            cur.execute(_SQL["unsnooze"], {"now": now})
            unsnoozed = max(cur.rowcount, 0)
            cur.execute(_SQL["last_sweep"], {"now": now})
            last = scalar(cur)
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
    LAST_TIMINGS.update(laps.timings)
    return due
