"""How fresh each source is, in event time, from `collector_runs` (written by the collectors).

A source is as fresh as its worst stream (tower.rules.source_health): how far the data read
from it lags behind the source's own present, and whether its streams have caught up — not the
age of the last poll. A source that is down or catching up is stale: the alerts that depend on
it are held back. A source with no runs at all is not monitored (for example a store fed by
`tower import`) and never counts as stale: no evidence of an outage is not an outage.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.rules.facts import SourceFreshness
from tower.rules.policy import SOURCES, Policy
from tower.rules.source_health import stream_health, worst
from tower.store import collector_runs

_SQL = sqlfiles.load_psycopg(__file__, "freshness.sql")


def source_freshness(*, conn: Connection, policy: Policy, now: datetime) -> dict[str, SourceFreshness]:
    """{source: SourceFreshness} for erp, wms, carrier and finance."""
    readings = collector_runs.readings(conn=conn)
    last_ok = {(r["source"], r["stream"]): r["last_ok_at"] for r in readings}
    result = {}
    for source in SOURCES:
        limit = float(policy.freshness_minutes[source])
        mine = [stream_health(r, now=now, limit_seconds=limit * 60) for r in readings if r["source"] == source]
        decisive = worst(mine)
        if decisive is None:
            result[source] = SourceFreshness(source, None, None, limit, False, "unknown", "not monitored")
            continue
        age = None if decisive.lag_seconds is None else round(decisive.lag_seconds / 60.0, 1)
        result[source] = SourceFreshness(source, last_ok.get((source, decisive.stream)), age, limit,
                                         decisive.holds, decisive.state,
                                         f"{decisive.stream}: {decisive.reason}")
    return result


def catching_up(*, conn: Connection, policy: Policy, now: datetime) -> tuple[str, ...]:
    """The sources reading a backlog now, sorted: jobs that would learn from or report on the
    store (the risk model, digests) wait while any is."""
    return tuple(sorted(source for source, fresh in source_freshness(conn=conn, policy=policy, now=now).items()
                        if fresh.state == "catching_up"))


def sync_thresholds(*, conn: Connection, policy: Policy, now: datetime) -> None:
    """Publish the policy's thresholds in `source_thresholds` for pages that show freshness."""
    with raw(conn).cursor() as cur:
        for source in SOURCES:
            cur.execute(_SQL["upsert_threshold"], {"source": source, "now": now,
                                                   "minutes": policy.freshness_minutes[source],
                                                   "version": policy.version})
