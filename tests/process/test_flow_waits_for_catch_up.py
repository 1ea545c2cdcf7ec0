"""The /flow job waits while a source reads a backlog, and rebuilds once it has caught up: during
a catch-up every order's facts would be rebuilt each minute only to change again the next. A
source that stays behind does not freeze /flow for longer than the wait's bound."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.data import factory
from tests.process.test_refresh_matches_reference import NOW, POLICY
from tests.source_runs import record_carrier_run
from tower.process import refresh
from tower.store.ingest import ingest


def _built(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM flow_orders")).scalar_one()


def test_the_job_waits_while_a_source_catches_up_then_builds_every_order(engine):
    _, milestones = factory.build(30, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones).rejected
        orders = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
    wait = refresh.CatchUpWait()
    record_carrier_run(engine, now=NOW, behind=timedelta(days=20))
    waited = refresh.run(engine, policy=POLICY, wait=wait, now=NOW + timedelta(seconds=1))
    assert waited.waiting_for == ("carrier",) and waited.orders == 0
    assert _built(engine) == 0

    record_carrier_run(engine, now=NOW + timedelta(minutes=1), behind=timedelta(0))
    ran = refresh.run(engine, policy=POLICY, wait=wait, now=NOW + timedelta(minutes=1, seconds=1))
    assert ran.waiting_for == () and ran.caught_up
    assert ran.orders == orders == _built(engine) > 0


def test_a_source_that_stays_behind_holds_the_job_no_longer_than_the_bound():
    wait = refresh.CatchUpWait(max_seconds=600)
    assert wait.holds(("wms",), at=1000.0)
    assert wait.holds(("wms",), at=1599.0)
    assert not wait.holds(("wms",), at=1600.0)      # ten minutes on: one run ...
    assert wait.holds(("wms",), at=1601.0)          # ... then the next wait begins
    assert not wait.holds((), at=1602.0)            # caught up: no wait at all
    assert wait.holds(("erp",), at=1603.0)          # a new backlog: a new wait
    assert not wait.holds(("erp",), at=2203.0)
