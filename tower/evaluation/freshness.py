"""How fresh each source is, from `collector_runs` (written by the collectors).

A source is as fresh as its stalest stream: the age of a stream is the time since its last
successful run (or, if it has not succeeded within the look-back window, since its first run
in the window). A source with no runs in the window is not monitored (for example a store fed
by `tower import`) and never counts as stale: no evidence of an outage is not an outage.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from psycopg.rows import dict_row
from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.rules.facts import SourceFreshness
from tower.rules.policy import SOURCES, Policy

_SQL = sqlfiles.load_psycopg(__file__, "freshness.sql")
LOOK_BACK = timedelta(days=7)


def source_freshness(*, conn: Connection, policy: Policy, now: datetime) -> dict[str, SourceFreshness]:
    """{source: SourceFreshness} for erp, wms, carrier and finance."""
    with raw(conn).cursor(row_factory=dict_row) as cur:
        cur.execute(_SQL["streams"], {"since": now - LOOK_BACK})
        rows = cur.fetchall()
    oldest: dict[str, datetime] = {}
    for row in rows:
        seen = row["last_ok_at"] or row["first_run_at"]
        if row["source"] not in oldest or seen < oldest[row["source"]]:
            oldest[row["source"]] = seen
    result = {}
    for source in SOURCES:
        limit = float(policy.freshness_minutes[source])
        last = oldest.get(source)
        if last is None:
            result[source] = SourceFreshness(source, None, None, limit, False)
            continue
        age = max((now - last).total_seconds() / 60.0, 0.0)
        result[source] = SourceFreshness(source, last, round(age, 1), limit, age > limit)
    return result


def sync_thresholds(*, conn: Connection, policy: Policy, now: datetime) -> None:
    """Publish the policy's thresholds in `source_thresholds` for pages that show freshness."""
    with raw(conn).cursor() as cur:
        for source in SOURCES:
            cur.execute(_SQL["upsert_threshold"], {"source": source, "now": now,
                                                   "minutes": policy.freshness_minutes[source],
                                                   "version": policy.version})
