"""Finance credit notes, mapped from recorded payloads: one `credited` per credit note.

A credit note names the order, the ERP return (RMA) it credits and the invoice it reduces.
Pure: no database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.finance.streams import CreditNotes
from collectors.stream import SkipRecord
from tests.collectors.payloads import bad_time_reason, case, cases, change, fields_present, record, same_time
from tower.store.milestone import normalise

SYSTEM, STREAM = "finance", "credit_notes"
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return CreditNotes(None).to_milestones(record(SYSTEM, STREAM, name))


@pytest.mark.parametrize("name", GOOD)
def test_a_credit_note_states_credited_for_its_order_return_and_invoice_with_amount_and_lines(name):
    note = record(SYSTEM, STREAM, name)
    (credited,) = mapped(name)
    assert (credited.source, credited.source_event_id, credited.kind) == (
        "finance", note["credit_note_no"], "credited")
    assert (credited.order_id, credited.return_id, credited.invoice_id) == (
        note["order_ref"], note["rma_ref"], note["invoice_no"])
    assert same_time(credited.occurred_at, note["issued_at"])
    assert credited.attrs == {
        "credit_note_no": note["credit_note_no"], "return_id": note["rma_ref"], "amount": note["amount"],
        "reason": note["reason"],
        "lines": [{"line_no": line["line_ref"], "sku": line["sku"], "qty": line["qty"],
                   "unit_price": line["unit_price"], "amount": line["amount"]} for line in note["lines"]],
    }


def test_a_credit_for_several_returned_lines_states_each_line_credited():
    note = record(SYSTEM, STREAM, "for_return_several_lines")
    (credited,) = mapped("for_return_several_lines")
    assert len(credited.attrs["lines"]) == len(note["lines"]) >= 2


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_credit_note_maps_to_a_milestone_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_a_credit_note_without_its_amount_is_skipped_listing_the_fields_that_came():
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "amount"
    note = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        CreditNotes(None).to_milestones(note)
    assert skipped.value.reason == f"missing field 'amount' (fields present: {fields_present(note, 'amount')})"


def test_a_credit_note_whose_amount_is_an_object_is_skipped_quoting_the_bad_amount():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "amount"
    with pytest.raises(SkipRecord) as skipped:
        CreditNotes(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == f"field 'amount' must be a number, got {spoilt['now']!r}"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_a_credit_note_with_a_spoilt_issue_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"] == "issued_at"
    with pytest.raises(SkipRecord) as skipped:
        CreditNotes(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, "issued_at", spoilt["now"])


def test_a_drifted_credit_note_is_skipped_naming_the_missing_order_reference_and_the_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    with pytest.raises(SkipRecord) as skipped:
        CreditNotes(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(drifted, 'order_ref')})"
    assert "order_reference" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_credit_note_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = CreditNotes(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert CreditNotes(None, aliases={"order_reference": "order_ref"}).map(item["record"]) == original
