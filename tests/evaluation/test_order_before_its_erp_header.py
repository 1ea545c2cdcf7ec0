"""A WMS or finance fact can arrive before the ERP's order itself: the rules still place the order."""

from __future__ import annotations

from datetime import datetime, timezone

import sqlalchemy as sa

from tower.evaluation.worker import run_once
from tower.rules.policy import cached
from tower.store import ingest

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml


def test_orders_known_only_from_other_systems_are_still_evaluated(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=[
            dict(source="erp", source_event_id="h1", kind="credit_hold", order_id="SO-X1",
                 occurred_at="2026-11-20T10:00:00Z"),
            dict(source="wms", source_event_id="w1", kind="picked", order_id="SO-X2", line_no=1,
                 occurred_at="2026-11-20T11:00:00Z", attrs={"qty": 3}),
        ])
    evaluated = run_once(engine, policy=BUILTIN_POLICY, now=datetime(2026, 11, 27, 12, tzinfo=timezone.utc))
    with engine.connect() as conn:
        rows = {r.order_id: r for r in conn.execute(sa.text(
            "SELECT order_id, stage, waiting_on, owner_team, due_at FROM orders"))}
    assert evaluated == 2
    assert rows["SO-X1"].waiting_on.startswith("credit hold since Fri 11/20")
    assert rows["SO-X2"].stage == "entered" and "since Fri 11/20 05:00" in rows["SO-X2"].waiting_on
    assert all(r.owner_team and r.due_at for r in rows.values())
