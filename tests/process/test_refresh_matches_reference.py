"""The maintained facts of /flow against independent computations of the same milestones.

The factory's orders (every stage of the flow, credit holds, partial shipments, cancellations)
plus hand-made deviating orders are ingested through the real store; the SQL facts must equal
the pure reference (`flow_model.check`) order by order, and each transition's business hours
must equal `Calendar.hours_between` on the order's warehouse calendar.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.data import factory
from tower.process import refresh
from tower.rules.flow_model import Event, check
from tower.rules.policy import cached
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

POLICY = cached()
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)


def deviating_orders(now: datetime) -> list[Milestone]:
    """Orders that break the flow in the ways the model names (one way per order)."""
    base = now - timedelta(days=6)
    plans = {
        "SO-DEV-SHIP-HOLD": ["placed", "credit_hold", "released", "picked", "packed", "shipped", "credit_released"],
        "SO-DEV-INV-EARLY": ["placed", "released", "picked", "invoiced", "packed", "shipped", "delivered"],
        "SO-DEV-SKIP-PICK": ["placed", "released", "packed", "shipped"],
        "SO-DEV-TWICE": ["placed", "released", "released", "picked"],
        "SO-DEV-AFTER-CXL": ["placed", "released", "cancelled", "picked"],
        "SO-DEV-EDI-AMEND": ["placed", "amended", "amended", "released"],
    }
    out = []
    for order_id, kinds in plans.items():
        for n, kind in enumerate(kinds):
            attrs = {"warehouse": "DAL-1", "channel": "edi", "customer_id": "C-9", "customer_name": "X",
                     "customer_tier": "gold", "lines": [{"line_no": 1, "sku": "A", "qty": 1}]} if kind in ("placed", "amended") else {}
            ship = {"shipment_id": f"SH-{order_id}"} if kind in ("packed", "shipped", "delivered") else {}
            out.append(Milestone(source="erp", source_event_id=f"{order_id}-{n}", kind=kind,
                                 occurred_at=base + timedelta(hours=7 * n), order_id=order_id, attrs=attrs, **ship))
    return out


@pytest.fixture
def store(engine):
    _, milestones = factory.build(48, now=NOW)
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=milestones + deviating_orders(NOW))
        assert not result.rejected
        ids = list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars())
        refresh.refresh(conn=conn, policy=POLICY, order_ids=ids)
    return engine


def _events(conn) -> dict[str, list[Event]]:
    out: dict[str, list[Event]] = {}
    for row in conn.execute(sa.text("SELECT order_id, kind, occurred_at FROM milestones")):
        out.setdefault(row.order_id, []).append(Event(row.kind, row.occurred_at))
    return out


def test_the_sql_verdict_of_every_order_equals_the_reference_check(store):
    with store.connect() as conn:
        events = _events(conn)
        facts = {r.order_id: list(r.deviations) for r in conn.execute(sa.text("SELECT order_id, deviations FROM flow_orders"))}
    assert set(facts) == set(events)
    for order_id, evs in events.items():
        assert facts[order_id] == check(evs, POLICY.flow_model), order_id
    assert facts["SO-DEV-SHIP-HOLD"] == ["out_of_sequence:credit_released", "released_before_credit_release:released",
                                         "shipped_before_credit_release:shipped"]
    conforming = [o for o, d in facts.items() if not d and not o.startswith("SO-DEV")]
    assert len(conforming) >= 40   # the factory's orders follow the flow
    assert "invoiced_before_shipped:invoiced" in facts["SO-DEV-INV-EARLY"]
    assert facts["SO-DEV-SKIP-PICK"] == ["missing_step:picked"]
    assert facts["SO-DEV-TWICE"] == ["repeated_step:released"]
    assert facts["SO-DEV-AFTER-CXL"] == ["step_after_cancellation:picked"]


def test_an_allowlisted_deviation_is_kept_and_marked_accepted(store):
    with store.connect() as conn:
        row = conn.execute(sa.text("SELECT deviations, accepted FROM flow_orders WHERE order_id = 'SO-DEV-EDI-AMEND'")).one()
    assert list(row.deviations) == ["repeated_step:amended"]
    assert list(row.accepted) == ["repeated_step:amended"]


def test_each_transitions_business_hours_equal_the_calendar_modules(store):
    with store.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT t.from_at, t.to_at, t.business_hours, t.wall_hours, f.calendar FROM flow_transitions t "
            "JOIN flow_orders f USING (order_id)")).all()
    assert len(rows) > 200
    for r in rows:
        cal = POLICY.calendars[r.calendar]
        assert r.business_hours == pytest.approx(cal.hours_between(r.from_at, r.to_at), abs=1e-6)
        assert r.wall_hours == pytest.approx((r.to_at - r.from_at).total_seconds() / 3600)
