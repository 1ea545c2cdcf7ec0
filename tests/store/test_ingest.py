"""store.ingest on a real Postgres: idempotent, order-independent, atomic, and honest about bad
records."""

from __future__ import annotations

import random

import pytest
import sqlalchemy as sa

from tests.store.events import at, order_life
from tests.store.snapshot import projections, truncate
from tower.store import ingest
from tower.store.rebuild import rebuild_projections


def _count(conn, table: str) -> int:
    return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def test_the_same_events_twice_are_stored_once(engine):
    events = order_life()
    with engine.begin() as conn:
        first = ingest(conn=conn, milestones=events)
    with engine.begin() as conn:
        before = projections(conn)
        second = ingest(conn=conn, milestones=events + events)
        after = projections(conn)
        assert _count(conn, "milestones") == len(events)
    assert first.inserted == len(events) and first.duplicates == 0
    assert second.inserted == 0 and second.duplicates == 2 * len(events)
    assert before == after


def test_a_batch_that_repeats_an_event_counts_it_once(engine):
    events = order_life()
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=events + [events[0], events[3]])
        assert _count(conn, "milestones") == len(events)
    assert result.inserted == len(events) and result.duplicates == 2


def test_any_arrival_order_gives_the_same_projection(engine):
    events = order_life(partial=False)
    with engine.begin() as conn:
        ingest(conn=conn, milestones=events)
        expected = projections(conn)
        conn.rollback()
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    with engine.begin() as conn:
        for i in range(0, len(shuffled), 4):
            ingest(conn=conn, milestones=shuffled[i:i + 4])
        assert projections(conn) == expected


def test_a_late_old_event_never_moves_an_order_backwards(engine):
    events = order_life(partial=False, with_return=False)
    late = [e for e in events if e["kind"] == "atp_short"]
    rest = [e for e in events if e["kind"] != "atp_short"]
    with engine.begin() as conn:
        ingest(conn=conn, milestones=rest)
        stage_before = conn.execute(sa.text("SELECT stage FROM orders")).scalar_one()
        ingest(conn=conn, milestones=late)
        stage_after = conn.execute(sa.text("SELECT stage FROM orders")).scalar_one()
        allocated = conn.execute(sa.text("SELECT qty_allocated FROM order_lines WHERE line_no = 2")).scalar_one()
    assert stage_before == stage_after == "paid"
    assert allocated == 6  # the newer ATP confirmation still wins over the older shortage


def test_partial_shipment_and_return_are_projected_per_line(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=order_life(partial=True, with_return=True))
        order = conn.execute(sa.text("SELECT * FROM orders")).mappings().one()
        lines = {r["line_no"]: r for r in conn.execute(sa.text("SELECT * FROM order_lines")).mappings()}
        ret = conn.execute(sa.text("SELECT * FROM returns")).mappings().one()
        inv = conn.execute(sa.text("SELECT * FROM invoices")).mappings().one()
    assert order["is_partial"] is True
    assert order["stage"] == "released"  # line 2 is still short, so the order as a whole is not picked
    assert order["value"] == 10 * 4.5 + 6 * 12
    assert (lines[1]["qty_shipped"], lines[1]["qty_delivered"], lines[1]["qty_invoiced"]) == (10, 10, 10)
    assert (lines[2]["qty_allocated"], lines[2]["qty_short"], lines[2]["qty_shipped"]) == (0, 6, 0)
    assert (lines[1]["qty_returned"], lines[1]["qty_credited"]) == (2, 2)
    assert (ret["status"], ret["qty_received"], ret["credit_amount"]) == ("credited", 2, 9)
    assert (inv["amount"], inv["paid_amount"], inv["status"]) == (45, 45, "paid")


def test_a_complete_order_reaches_paid_and_closes(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=order_life(partial=False))
        row = conn.execute(sa.text("SELECT stage, status, is_partial FROM orders")).one()
    assert tuple(row) == ("paid", "closed", False)


@pytest.mark.parametrize("bad, reason", [
    (dict(kind="teleported"), "unknown kind"),
    (dict(order_id=None), "no order reference"),
    (dict(occurred_at="yesterday"), "not a valid ISO-8601 time"),
    (dict(occurred_at="2026-11-02T10:00:00"), "has no time zone"),
    (dict(attrs=dict(lines=[dict(line_no="one", qty=1)])), "line_no must be an integer"),
    (dict(attrs=dict(lines=[dict(line_no=1, qty="lots")])), "qty must be a number"),
    (dict(attrs="not an object"), "attrs must be an object"),
    (dict(source_event_id=None), "source_event_id is missing"),
])
def test_malformed_records_are_rejected_with_a_reason_and_the_rest_still_go_in(engine, bad, reason):
    events = order_life()
    broken = {**events[1], "source_event_id": "broken-1", **bad}
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=events + [broken])
        stored = _count(conn, "milestones")
    assert stored == len(events)
    assert len(result.rejected) == 1
    assert reason in result.rejected[0].reason
    assert result.rejected[0].record is broken


def test_a_failing_batch_leaves_nothing_half_written(engine):
    events = order_life()
    with pytest.raises(sa.exc.DBAPIError):
        with engine.begin() as conn:
            ingest(conn=conn, milestones=events)
            conn.execute(sa.text("SELECT 1/0"))  # the caller's transaction fails after ingest
    with engine.begin() as conn:
        for table in ("milestones", "orders", "order_lines", "identifiers", "dirty_orders"):
            assert _count(conn, table) == 0, table


def test_a_carrier_scan_before_its_ship_confirm_is_parked_then_linked(engine):
    events = order_life(with_return=False)
    scans = [e for e in events if e["source"] == "carrier"]
    others = [e for e in events if e["source"] != "carrier"]
    with engine.begin() as conn:
        early = ingest(conn=conn, milestones=scans)
        assert early.parked == len(scans) and early.inserted == 0
        assert _count(conn, "parked_milestones") == len(scans)
        later = ingest(conn=conn, milestones=others)
        assert _count(conn, "parked_milestones") == 0
        delivered = conn.execute(sa.text("SELECT delivered_at IS NOT NULL FROM shipments")).scalar_one()
    assert later.unparked == len(scans)
    assert delivered


def test_touched_orders_are_marked_for_the_rules_worker(engine):
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=order_life("SO-1") + order_life("SO-2"))
        dirty = {r[0] for r in conn.execute(sa.text("SELECT order_id FROM dirty_orders"))}
    assert result.touched_orders == dirty == {"SO-1", "SO-2"}


def test_lookup_keys_of_every_system_lead_to_the_order(engine):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=order_life("SO-9"))
        keys = {(s, k, v): o for s, k, v, o in conn.execute(
            sa.text("SELECT system, kind, value, order_id FROM identifiers"))}
    assert keys[("erp", "customer_po", "PO-4471")] == "SO-9"
    assert keys[("carrier", "tracking_no", "1ZSO-9A")] == "SO-9"
    assert keys[("finance", "invoice_no", "INV-SO-9-1")] == "SO-9"


def test_two_ship_confirms_of_one_shipment_in_one_batch_are_projected_as_one_shipment(engine):
    # A shipment re-confirmed (a second `shipped` fact for the same shipment, e.g. a corrected
    # tracking number) in the same batch as the first: both facts are stored, the shipment row
    # carries the latest confirm, and the line counts both confirms' quantities.
    events = order_life("SO-2SHIP", partial=True, with_return=False)
    first = next(e for e in events if e["kind"] == "shipped")
    again = dict(first, source_event_id=f"{first['source_event_id']}:again", occurred_at=at(4.5),
                 attrs=dict(first["attrs"], tracking_no="1ZSECOND"))
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=[*events, again])
        assert result.inserted == len(events) + 1
        shipments = conn.execute(sa.text(
            "SELECT shipment_id, tracking_no FROM shipments WHERE order_id = 'SO-2SHIP'")).all()
        assert shipments == [(first["shipment_id"], "1ZSECOND")]
        batched = projections(conn)
        truncate(conn, "orders, order_lines, shipments, invoices, payments, returns")
        rebuild_projections(conn=conn)
        assert projections(conn) == batched


def _one_shipment_for_two_orders() -> list[dict]:
    """Two orders whose ship confirms name the same shipment id (a partner's despatch id reused
    for two orders): the shipments table holds one order per shipment."""
    a = order_life("SO-SHARE-A", partial=True, with_return=False)
    b = order_life("SO-SHARE-B", partial=True, with_return=False)
    for events, hours in ((a, 4.0), (b, 3.0)):
        for e in events:
            if e.get("shipment_id"):
                e["shipment_id"] = "DESPATCH-1"
            if e["kind"] == "shipped":
                e["occurred_at"] = at(hours)
    return a + b


def test_two_orders_shipping_one_shipment_id_in_one_batch_do_not_fail_the_batch(engine):
    events = _one_shipment_for_two_orders()
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=events)
        assert result.inserted == len(events)
        owner = conn.execute(sa.text("SELECT order_id FROM shipments WHERE shipment_id = 'DESPATCH-1'")).scalar_one()
        assert owner == "SO-SHARE-B"  # the earlier ship confirm


@pytest.mark.parametrize("first", ["SO-SHARE-A", "SO-SHARE-B"])
def test_the_owner_of_a_shared_shipment_id_does_not_depend_on_arrival_order(engine, first):
    events = _one_shipment_for_two_orders()
    with engine.begin() as conn:
        ingest(conn=conn, milestones=[e for e in events if e.get("order_id") == first])
        ingest(conn=conn, milestones=[e for e in events if e.get("order_id") != first])
        owner = conn.execute(sa.text("SELECT order_id FROM shipments WHERE shipment_id = 'DESPATCH-1'")).scalar_one()
        assert owner == "SO-SHARE-B"
        conn.rollback()
