"""The incremental rules worker: evaluate the orders the last collector batches touched.

`run_once(engine, policy=policy, now=None, limit=5000)` claims up to `limit` dirty orders (FOR UPDATE SKIP
LOCKED), loads their facts in one query per table, runs the pure rules, writes the outcomes and
exceptions, links held orders to their source's integration incident and clears the marks —
all in one transaction, so a crash re-evaluates the batch instead of losing it. Returns the
number of orders evaluated (0 when the queue is empty). The collector process schedules it
every few seconds; `drain` loops it until the queue is empty (tests, benches, the CLI).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from sqlalchemy.engine import Engine

from tower import clock, sqlfiles
from tower.db import raw
from tower.evaluation import incidents
from tower.evaluation.freshness import source_freshness
from tower.evaluation.load import load_facts
from tower.evaluation.policy_sync import ensure
from tower.evaluation.reconcile import reconcile
from tower.evaluation.timing import Laps
from tower.evaluation.write import write_outcomes
from tower.rules.engine import evaluate
from tower.rules.policy import Policy

_SQL = sqlfiles.load_psycopg(__file__, "worker.sql")
log = logging.getLogger(__name__)
# Seconds per phase of the last run_once in this process (for the bench and DEBUG logs).
LAST_TIMINGS: dict[str, float] = {}


def run_once(engine: Engine, *, policy: Policy, now: datetime | None = None, limit: int = 5000) -> int:
    """Evaluate up to `limit` dirty orders in one transaction; returns how many (0: none)."""
    now = now or clock.now()
    laps = Laps()
    lap = laps.lap

    with engine.begin() as conn:
        ensure(conn=conn, policy=policy, now=now)
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["claim"], {"limit": limit})
            ids = [r[0] for r in cur.fetchall()]
        if not ids:
            return 0
        freshness = source_freshness(conn=conn, policy=policy, now=now)
        lap("claim")
        facts = load_facts(conn=conn, order_ids=ids)
        lap("load")
        outcomes = [evaluate(f, policy, freshness, now) for f in facts]
        lap("rules")
        write_outcomes(conn=conn, outcomes=outcomes)
        lap("write")
        reconcile(conn=conn, outcomes=outcomes, now=now, policy_version=policy.version)
        lap("exceptions")
        held: dict[str, list[str]] = defaultdict(list)
        for o in outcomes:
            if o.held_on:
                held[o.held_on].append(o.order_id)
        for source, order_ids in held.items():
            incident = incidents.open_incident(conn=conn, fresh=freshness[source], policy=policy, now=now)
            incidents.link_orders(conn=conn, incident=incident, order_ids=order_ids)
            incidents.refresh(conn=conn, incident=incident, fresh=freshness[source], now=now)
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["clear"], {"ids": ids})
        lap("clear")
    lap("commit")
    LAST_TIMINGS.clear()
    LAST_TIMINGS.update(laps.timings)
    log.debug("evaluated %d orders: %s", len(ids), laps.timings)
    return len(ids)


def mark_all_open(engine: Engine, *, now: datetime | None = None) -> int:
    """Queue every open order for evaluation (after a policy change); returns how many."""
    with engine.begin() as conn, raw(conn).cursor() as cur:
        cur.execute(_SQL["mark_all_open"], {"now": now or clock.now()})
        return max(cur.rowcount, 0)


def drain(engine: Engine, *, policy: Policy, now: datetime | None = None, limit: int = 5000,
          max_batches: int = 10_000) -> int:
    """Run batches until no dirty order is left (bounded by `max_batches`); total evaluated."""
    total = 0
    for _ in range(max_batches):
        done = run_once(engine, now=now, limit=limit, policy=policy)
        if not done:
            break
        total += done
    return total
