"""Finance payments, mapped from recorded payloads: one `paid` per payment.

A payment reaches its order through the invoice number (a ref the store resolves, or parks
until the invoice is known); the order reference it also carries is optional. Pure: no
database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.finance.streams import Payments
from collectors.stream import SkipRecord
from tests.collectors.payloads import bad_time_reason, case, cases, change, fields_present, record, same_time
from tower.store.milestone import Ref, normalise

SYSTEM, STREAM = "finance", "payments"
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return Payments(None).to_milestones(record(SYSTEM, STREAM, name))


@pytest.mark.parametrize("name", GOOD)
def test_a_payment_states_paid_for_its_invoice_with_the_amount_received_and_the_method(name):
    payment = record(SYSTEM, STREAM, name)
    (paid,) = mapped(name)
    assert (paid.source, paid.source_event_id, paid.kind) == ("finance", payment["payment_id"], "paid")
    assert paid.ref == Ref("finance", "invoice_no", payment["invoice_no"])
    assert (paid.order_id, paid.payment_id, paid.invoice_id) == (
        payment["order_ref"], payment["payment_id"], payment["invoice_no"])
    assert same_time(paid.occurred_at, payment["received_at"])
    assert paid.attrs == {"payment_id": payment["payment_id"], "invoice_id": payment["invoice_no"],
                          "amount": payment["amount"], "method": payment["method"]}


def test_a_part_payment_states_the_part_received_as_exact_decimal_text():
    payment = record(SYSTEM, STREAM, "partial")
    (paid,) = mapped("partial")
    assert paid.attrs["amount"] == payment["amount"]
    assert isinstance(paid.attrs["amount"], str)


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_payment_maps_to_a_milestone_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_a_payment_without_its_amount_is_skipped_listing_the_fields_that_came():
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "amount"
    payment = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        Payments(None).to_milestones(payment)
    assert skipped.value.reason == f"missing field 'amount' (fields present: {fields_present(payment, 'amount')})"


def test_a_payment_whose_amount_is_an_object_is_skipped_quoting_the_bad_amount():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "amount"
    with pytest.raises(SkipRecord) as skipped:
        Payments(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == f"field 'amount' must be a number, got {spoilt['now']!r}"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_a_payment_with_a_spoilt_receipt_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"] == "received_at"
    with pytest.raises(SkipRecord) as skipped:
        Payments(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, "received_at", spoilt["now"])


def test_a_drifted_payment_still_maps_reaching_its_order_through_the_invoice_number_alone():
    # Drift renames `order_ref`, which a payment does not need: nothing goes to dead letters.
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    assert "order_ref" not in drifted and "order_reference" in drifted
    (paid,) = Payments(None).to_milestones(drifted)
    assert paid.order_id is None
    assert paid.ref == Ref("finance", "invoice_no", drifted["invoice_no"])
    normalise(paid)


def test_with_the_alias_for_the_renamed_field_a_drifted_payment_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = Payments(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert Payments(None, aliases={"order_reference": "order_ref"}).map(item["record"]) == original
