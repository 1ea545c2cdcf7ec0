"""/flow says its figures are catching up only when the orders waiting for their facts have
waited longer than the job's interval, not for the few a steady stream always has."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.store.events import order_life
from tower.data import flow
from tower.data.backlog import STEADY_LAG
from tower.data.scope import Scope
from tower.store import ingest


def test_waiting_orders_lag_only_once_they_outwait_the_interval(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=order_life("SO-F1") + order_life("SO-F2"))
        changed = conn.execute(sa.text("SELECT min(updated_at) FROM orders")).scalar_one()
        everything = Scope.everything()
        assert flow.pending(conn=conn, scope=everything, now=changed + timedelta(seconds=60)) == (2, False)
        assert flow.pending(conn=conn, scope=everything, now=changed + STEADY_LAG + timedelta(seconds=1)) == (2, True)
