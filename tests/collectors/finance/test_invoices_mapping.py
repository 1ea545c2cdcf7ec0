"""Finance invoices, mapped from recorded payloads: one `invoiced` per invoice, in every version.

An invoice's balance and status move with payments; the fact tower keeps (issued, for these
lines and this total) is the same in every version. Pure: no database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.finance.streams import Invoices
from collectors.stream import SkipRecord
from tests.collectors.payloads import (
    bad_time_reason,
    case,
    cases,
    change,
    end_of_day_utc,
    fields_present,
    record,
    same_time,
)
from tower.store.milestone import normalise

SYSTEM, STREAM = "finance", "invoices"
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return Invoices(None).to_milestones(record(SYSTEM, STREAM, name))


@pytest.mark.parametrize("name", GOOD)
def test_an_invoice_states_invoiced_for_its_order_and_shipment_with_total_terms_due_date_and_lines(name):
    invoice = record(SYSTEM, STREAM, name)
    (invoiced,) = mapped(name)
    assert (invoiced.source, invoiced.source_event_id, invoiced.kind) == (
        "finance", f"{invoice['invoice_no']}#issued", "invoiced")
    assert (invoiced.order_id, invoiced.invoice_id, invoiced.shipment_id) == (
        invoice["order_ref"], invoice["invoice_no"], invoice["shipment_ref"])
    assert same_time(invoiced.occurred_at, invoice["issued_at"])
    assert invoiced.attrs == {
        "invoice_id": invoice["invoice_no"], "invoice_no": invoice["invoice_no"],
        "shipment_id": invoice["shipment_ref"], "amount": invoice["total"], "currency": invoice["currency"],
        "due_at": end_of_day_utc(invoice["due_date"]), "terms": invoice["terms"],
        "customer_id": invoice["customer_id"],
        "lines": [{"line_no": line["line_ref"], "sku": line["sku"], "qty": line["qty"],
                   "unit_price": line["unit_price"], "amount": line["amount"]} for line in invoice["lines"]],
    }


def test_the_invoiced_amount_is_the_total_as_exact_decimal_text_never_the_balance_left():
    invoice = record(SYSTEM, STREAM, "partially_paid")
    (invoiced,) = mapped("partially_paid")
    assert invoice["balance"] != invoice["total"]
    assert invoiced.attrs["amount"] == invoice["total"]
    assert isinstance(invoiced.attrs["amount"], str)


def test_an_open_a_partly_paid_and_a_paid_invoice_each_state_only_that_they_were_issued():
    statuses = {record(SYSTEM, STREAM, name)["status"] for name in GOOD}
    assert {"OPEN", "PARTIALLY_PAID", "PAID"} <= statuses
    for name in GOOD:
        assert [(m.kind, m.source_event_id) for m in mapped(name)] == [
            ("invoiced", f"{record(SYSTEM, STREAM, name)['invoice_no']}#issued")]


def test_an_invoice_that_bills_another_quantity_than_was_shipped_states_the_quantity_billed():
    # The mismatch is for the billing checks to find; the mapping must not "correct" it.
    invoice = record(SYSTEM, STREAM, "qty_differs_from_shipment")
    (invoiced,) = mapped("qty_differs_from_shipment")
    assert [(l["line_no"], l["qty"]) for l in invoiced.attrs["lines"]] == [
        (l["line_ref"], l["qty"]) for l in invoice["lines"]]


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_invoice_maps_to_a_milestone_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_an_invoice_without_its_order_reference_is_skipped_listing_the_fields_that_came():
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "order_ref"
    invoice = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        Invoices(None).to_milestones(invoice)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(invoice, 'order_ref')})"


def test_an_invoice_whose_total_is_an_object_is_skipped_quoting_the_bad_total():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "total"
    with pytest.raises(SkipRecord) as skipped:
        Invoices(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == f"field 'total' must be a number, got {spoilt['now']!r}"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_an_invoice_with_a_spoilt_issue_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"] == "issued_at"
    with pytest.raises(SkipRecord) as skipped:
        Invoices(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, "issued_at", spoilt["now"])


def test_a_drifted_invoice_is_skipped_naming_the_missing_order_reference_and_the_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    with pytest.raises(SkipRecord) as skipped:
        Invoices(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(drifted, 'order_ref')})"
    assert "order_reference" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_invoice_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = Invoices(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert Invoices(None, aliases={"order_reference": "order_ref"}).map(item["record"]) == original
