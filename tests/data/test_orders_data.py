"""Contract tests of tower.data.orders on real Postgres, orders written by tower.store.ingest."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.data import factory
from tower import clock
from tower.data import orders
from tower.data.scope import Scope
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

EVERYTHING = Scope.everything()


@pytest.fixture
def seeded(engine):
    return factory.seed(engine, 24, now=clock.now())


def test_search_finds_an_order_by_each_key_a_customer_quotes(engine, seeded):
    paid = seeded.by_reached("paid")[0]
    with engine.connect() as conn:
        for key, kind in ((paid.order_id, "order_no"), (paid.customer_po.lower(), "customer_po"),
                          (paid.tracking_no, "tracking_no"), (paid.invoice_no, "invoice_no")):
            found = orders.search(key, conn=conn, scope=EVERYTHING)
            assert found.iloc[0]["order_id"] == paid.order_id, key
            assert found.iloc[0]["rank"] == 1 and found.iloc[0]["key_kind"] == kind
            assert orders.unique_match(found) == paid.order_id
    assert list(found.columns) == orders.SEARCH_COLUMNS
    assert str(found["placed_at"].dt.tz) == "UTC"


def test_search_lists_orders_whose_number_starts_with_the_text(engine, seeded):
    with engine.connect() as conn:
        found = orders.search("so-10000", conn=conn, scope=EVERYTHING)
    assert set(found["order_id"]) == {f"SO-10000{i}" for i in range(1, 10)}
    assert (found["rank"] == 2).all()
    assert orders.unique_match(found) is None


def test_search_forgives_a_typo_in_the_customer_name(engine, seeded):
    with engine.connect() as conn:
        found = orders.search("cedar rige plumbng", conn=conn, scope=EVERYTHING)
    expected = {o.order_id for o in seeded.orders if o.customer_name == "Cedar Ridge Plumbing"}
    assert set(found["order_id"]) == expected
    assert (found["matched_on"] == "customer name Cedar Ridge Plumbing").all()


def test_search_treats_like_wildcards_as_plain_text(engine, seeded):
    with engine.connect() as conn:
        assert orders.search("%%", conn=conn, scope=EVERYTHING).empty
        assert orders.search("S_", conn=conn, scope=EVERYTHING).empty
        assert orders.search("x", conn=conn, scope=EVERYTHING).empty  # one character is not a search


def test_an_unknown_key_gets_similar_numbers_and_customers(engine, seeded):
    with engine.connect() as conn:
        keys, customers = orders.suggest("SO-1000x9", conn=conn, scope=EVERYTHING)
        _, named = orders.suggest("acme industril", conn=conn, scope=EVERYTHING)
    assert not keys.empty and all(v.startswith("SO-1000") for v in keys["value"])
    assert customers.empty  # "SO-1000x9" resembles no customer
    assert named.iloc[0]["customer_name"] == "Acme Industrial Supply"
    assert named.iloc[0]["orders"] == sum(o.customer_name == "Acme Industrial Supply" for o in seeded.orders)


def test_an_unknown_order_has_no_header_and_an_unevaluated_one_has_no_rules_fields(engine, seeded):
    with engine.connect() as conn:
        assert orders.header("SO-NOPE", conn=conn, scope=EVERYTHING) is None
        h = orders.header(seeded.orders[0].order_id, conn=conn, scope=EVERYTHING)
    assert h["customer_po"] == seeded.orders[0].customer_po
    assert h["waiting_on"] is None and h["sla_state"] is None and h["evaluated_at"] is None


def test_the_timeline_holds_every_milestone_oldest_first(engine, seeded):
    target = seeded.by_reached("paid")[0]
    _, milestones = factory.build(24, now=clock.now())
    with engine.connect() as conn:
        tl = orders.timeline(target.order_id, conn=conn, scope=EVERYTHING)
    assert list(tl.columns) == orders.TIMELINE_COLUMNS
    assert tl["occurred_at"].is_monotonic_increasing
    # carrier scans named the order only by tracking number, and still belong to it
    assert {"erp", "wms", "carrier", "finance"} == set(tl["source"])
    assert len(tl) == sum(1 for m in milestones if m.order_id == target.order_id
                          or (m.ref and m.ref.value == target.tracking_no))


def test_lines_count_what_payments_cover(engine):
    now = clock.now()
    seeded, milestones = factory.build(9, now=now)
    invoiced = seeded.by_reached("invoiced")[0]
    inv = next(m for m in milestones if m.kind == "invoiced" and m.order_id == invoiced.order_id)
    half = round(float(inv.attrs["amount"]) / 2, 2)
    milestones.append(Milestone(source="finance", source_event_id="pay-half", kind="paid",
                                occurred_at=now - timedelta(hours=1), order_id=invoiced.order_id,
                                invoice_id=inv.invoice_id, payment_id="P-HALF",
                                attrs={"amount": half, "method": "ach"}))
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones).rejected
    with engine.connect() as conn:
        lines = orders.lines(invoiced.order_id, conn=conn, scope=EVERYTHING)
        invoices = orders.invoices(invoiced.order_id, conn=conn, scope=EVERYTHING)
        payments = orders.payments(invoiced.order_id, conn=conn, scope=EVERYTHING)
    assert list(lines.columns) == orders.LINE_COLUMNS
    assert (lines["qty_invoiced"] == lines["qty_ordered"]).all()
    assert lines["qty_paid"].round(3).tolist() == (lines["qty_invoiced"] * half / float(inv.attrs["amount"])).round(3).tolist()
    assert invoices.iloc[0]["status"] == "partially_paid"
    assert invoices.iloc[0]["open_amount"] == pytest.approx(float(inv.attrs["amount"]) - half)
    assert payments["amount"].tolist() == [half]


def test_text_that_is_exactly_a_key_finds_that_order_and_not_customers_named_like_it(engine, seeded):
    import sqlalchemy as sa

    quoted = seeded.orders[0]
    with engine.begin() as conn:   # a PO that is also part of a customer's name
        conn.execute(sa.text("INSERT INTO identifiers (system, kind, value, order_id) "
                             "VALUES ('erp', 'customer_po', 'Cedar Ridge', :o)"), {"o": quoted.order_id})
    with engine.connect() as conn:
        found = orders.search("Cedar Ridge", conn=conn, scope=EVERYTHING)
        by_name = orders.search("Cedar Ridg", conn=conn, scope=EVERYTHING)
    assert found["order_id"].tolist() == [quoted.order_id] and found["rank"].tolist() == [1]
    assert (by_name["rank"] == 3).any()   # no exact key: the name still finds its customer
