"""A collector run recorded by hand, for tests of what waits while a source catches up."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from tower.store import collector_runs as runs


def record_carrier_run(engine: sa.Engine, *, now: datetime, behind: timedelta) -> None:
    """A carrier run that read up to `behind` before the source's present (caught up or not)."""
    with engine.begin() as conn:
        run = runs.start(conn=conn, source="carrier", stream="tracking_events", started_at=now - timedelta(seconds=5))
        runs.finish(conn=conn, run_id=run, status="ok", finished_at=now,
                    counts=runs.RunCounts(records_fetched=500, milestones_written=500, newest_source_at=now - behind,
                                          source_as_of=now, data_through=now - behind, caught_up=not behind,
                                          observed_at=now))
