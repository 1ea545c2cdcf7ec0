"""tower.data.order_file: the whole order in one statement, read by the order page and the API."""

from __future__ import annotations

import pytest

from tests.data import factory
from tower import clock
from tower.components.order_text import summary
from tower.data import order_file
from tower.data.scope import Scope

EVERYTHING = Scope.everything()


@pytest.fixture
def seeded(engine):
    return factory.seed(engine, 24, now=clock.now())


def test_a_paid_order_comes_back_whole_with_every_part_in_page_order(engine, seeded):
    paid = seeded.by_reached("paid")[0]
    with engine.connect() as conn:
        found = order_file.read(paid.order_id, conn=conn, scope=EVERYTHING)
    assert found is not None and found.header["order_id"] == paid.order_id
    assert found.timeline_rows and found.line_rows and found.shipment_rows
    assert found.invoice_rows and found.payment_rows
    times = [r["occurred_at"] for r in found.timeline_rows]
    assert times == sorted(times) and all(t.utcoffset().total_seconds() == 0 for t in times)
    assert all(isinstance(r["channel"], str) for r in found.timeline_rows)
    assert [r["line_no"] for r in found.line_rows] == sorted(r["line_no"] for r in found.line_rows)
    assert all(isinstance(r["amount"], float) for r in found.invoice_rows)
    assert str(found.timeline["occurred_at"].dt.tz) == "UTC" and found.timeline["line_no"].dtype == "Int64"
    assert list(found.invoices["invoice_id"]) == [r["invoice_id"] for r in found.invoice_rows]


def test_an_order_outside_the_scope_reads_as_none_like_an_unknown_one(engine, seeded):
    order = seeded.orders[0]
    elsewhere = Scope.of("viewer", ["NOWHERE-1"])
    with engine.connect() as conn:
        assert order_file.read(order.order_id, conn=conn, scope=elsewhere) is None
        assert order_file.read("SO-NOPE", conn=conn, scope=EVERYTHING) is None


def test_the_status_in_words_reads_the_same_from_rows_as_from_frames(engine, seeded):
    now = clock.now()
    with engine.connect() as conn:
        for order in seeded.orders[:8]:
            found = order_file.read(order.order_id, conn=conn, scope=EVERYTHING)
            assert found is not None
            from_frames = summary(found.header, found.shipments, found.invoices, found.lines, tz="Europe/Berlin", now=now)
            from_rows = summary(found.header, found.shipment_rows, found.invoice_rows, found.line_rows,
                                tz="Europe/Berlin", now=now)
            assert from_rows == from_frames
