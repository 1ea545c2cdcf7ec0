"""The analytics job: keep `kpi_facts`, `kpi_daily`, `order_stage_times` and `queue_items` up
to date.

Triggers (migrations 0005, 0026) mark every inserted order and exception, and every update that
changes a column the facts are computed from, in `kpi_dirty` within the writer's own
transaction, so nothing is missed (and, the table being append-only, a writer never waits for
this job); `refresh` takes a batch of marks (SKIP LOCKED, so two jobs can share the work),
recomputes those subjects' facts from the projections and their milestones (a few dozen rows
each, by index), and moves the kpi_daily cells by what their old facts took away and their new
ones add (numeric sums: exact; a change to how a fact maps to a cell, its bucket say, must
rebuild kpi_daily from kpi_facts in the migration that makes it). Orders whose promise passed
since the last run are re-checked too (OTIF turns into a miss without any event). Nothing here
commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw, scalar
from tower.kpis import sla
from tower.kpis.registry import BUCKETED
from tower.rules.policy import Policy

_Q = sqlfiles.load_psycopg(__file__, "facts.sql")
_SWEEP_KEY = "promises_swept_at"


def refresh(*, conn: Connection, now: datetime, policy: Policy, limit: int = 20000,
            ship_allowance_hours: float | None = None) -> int:
    """Take up to `limit` marks (oldest first) and recompute their subjects' facts; returns
    the number of distinct orders and exceptions recomputed (0: nothing was marked)."""
    allowance = sla.ship_allowance_hours(policy) if ship_allowance_hours is None else ship_allowance_hours
    pg = raw(conn)
    with pg.cursor() as cur:
        cur.execute(_Q["create_batch"])
        cur.execute(_Q["take_batch"], {"limit": limit})
        cur.execute(_Q["get_state"], {"key": _SWEEP_KEY})
        row = cur.fetchone()
        if row is not None:
            cur.execute(_Q["sweep_promises"], {"since": row[0], "now": now})
        cur.execute(_Q["set_state"], {"key": _SWEEP_KEY, "value": now})
        cur.execute(_Q["batch_size"])
        taken = int(scalar(cur))
        if taken == 0:
            return 0
        cur.execute(_Q["analyze_batch"])
        bucketed = list(BUCKETED)
        cur.execute(_Q["facts_delta"], {"sign": -1, "bucketed": bucketed})
        cur.execute(_Q["delete_facts"])
        cur.execute(_Q["order_times"])
        cur.execute(_Q["insert_stage_times"])
        critical = sla.critical_hours(policy)
        cur.execute(_Q["insert_queue_items"], {"c_stage": list(critical), "c_hours": list(critical.values()),
                                               "at_risk": sla.at_risk_share(policy)})
        cur.execute(_Q["insert_order_facts"], {"now": now, "ship_sla_hours": allowance, "bucketed": bucketed})
        cur.execute(_Q["insert_exception_facts"])
        cur.execute(_Q["facts_delta"], {"sign": 1, "bucketed": bucketed})
        cur.execute(_Q["fold_delta"])
        cur.execute(_Q["remove_empty_cells"])
    return taken


def refresh_all(*, conn: Connection, now: datetime, policy: Policy, batch: int = 20000) -> int:
    """Drain every mark (for tests, the bench and a first backfill); returns subjects taken."""
    total = 0
    while True:
        taken = refresh(conn=conn, now=now, policy=policy, limit=batch)
        total += taken
        if taken == 0:
            return total


@dataclass(frozen=True)
class Pending:
    """The analytics job's backlog, cheap to read: `marks` changes not yet folded in (exact up
    to `capped_at`; more than that reads as `capped_at` with `more` set) and when the oldest
    was made (None: nothing pending). A subject changed twice counts twice."""

    marks: int
    more: bool
    oldest: datetime | None
    capped_at: int

    @property
    def caught_up(self) -> bool:
        return self.marks == 0


def pending(*, conn: Connection, cap: int = 100_000) -> Pending:
    """How far the analytics job is behind, in a bounded number of index reads (never a
    count over the whole backlog): for the "catching up" line on the pages."""
    pg = raw(conn)
    with pg.cursor() as cur:
        cur.execute(_Q["pending_capped"], {"cap": cap + 1})
        row = cur.fetchone()
    assert row is not None, "an aggregate always returns a row"
    marks, oldest = int(row[0]), row[1]
    return Pending(marks=min(marks, cap), more=marks > cap, oldest=oldest, capped_at=cap)
