"""ERP sales orders, mapped from recorded payloads: every `history` entry is one milestone.

Pure: a recorded record goes into `SalesOrders.to_milestones`, milestones come out; no database,
no HTTP, no clock. Expectations are read from the payload and API.md, never from the output.
"""

from __future__ import annotations

import pytest

from collectors.erp.streams import SalesOrders
from collectors.stream import SkipRecord
from tests.collectors.payloads import case, cases, change, end_of_day_utc, fields_present, record, same_time
from tower.store.milestone import normalise

SYSTEM, STREAM = "erp", "sales_orders"
# API.md, "GET /v1/sales-orders": the tower kind of each history event.
KIND_OF_EVENT = {"CREATED": "placed", "CREDIT_HOLD": "credit_hold", "CREDIT_RELEASED": "credit_released",
                 "PRICED": "priced", "ATP_SHORT": "atp_short", "ATP_CONFIRMED": "atp_confirmed",
                 "BACKORDER_FILLED": "atp_confirmed", "RELEASED": "released", "CANCELLED": "cancelled"}
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return SalesOrders(None).to_milestones(record(SYSTEM, STREAM, name))


def entries(order: dict, event: str) -> list[dict]:
    return [entry for entry in order["history"] if entry["event"] == event]


def by_kind(milestones: list, kind: str) -> list:
    return [m for m in milestones if m.kind == kind]


@pytest.mark.parametrize("name", GOOD)
def test_each_history_entry_becomes_one_milestone_named_by_order_and_seq_at_its_own_time(name):
    order = record(SYSTEM, STREAM, name)
    milestones = mapped(name)
    assert [(m.source, m.source_event_id, m.kind, m.order_id) for m in milestones] == [
        ("erp", f"{order['order_no']}#{entry['seq']}", KIND_OF_EVENT[entry["event"]], order["order_no"])
        for entry in order["history"]]
    for milestone, entry in zip(milestones, order["history"]):
        assert same_time(milestone.occurred_at, entry["at"]), (milestone.occurred_at, entry["at"])


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_order_maps_to_milestones_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)  # raises InvalidMilestone with the reason if the store would refuse it


def test_a_placed_order_states_its_customer_channel_warehouse_promises_and_every_line():
    order = record(SYSTEM, STREAM, "released_in_full")
    placed = by_kind(mapped("released_in_full"), "placed")
    assert len(placed) == 1
    attrs = placed[0].attrs
    assert {k: v for k, v in attrs.items() if k not in ("requested_at", "promised_at")} == {
        "customer_id": order["customer"]["id"], "customer_name": order["customer"]["name"],
        "customer_tier": order["customer"]["tier"], "customer_po": order["customer_po"],
        "channel": order["channel"], "warehouse": order["warehouse"], "region": order["region"],
        "currency": order["currency"],
        "lines": [{"line_no": line["line_no"], "sku": line["sku"], "description": line["description"],
                   "qty": line["qty"], "unit_price": line["unit_price"], "list_price": line["list_price"]}
                  for line in order["lines"]],
    }
    assert len(order["lines"]) >= 2
    # A requested *date* is due by the end of that day; the promise is an instant with its zone.
    assert attrs["requested_at"] == end_of_day_utc(order["requested_date"])
    assert same_time(attrs["promised_at"], order["promised_at"])


def test_pricing_states_each_lines_unit_and_list_price_as_exact_decimal_text():
    order = record(SYSTEM, STREAM, "price_differs_from_list")
    (priced,) = by_kind(mapped("price_differs_from_list"), "priced")
    assert priced.attrs == {"prices": [
        {"line_no": line["line_no"], "unit_price": line["unit_price"], "list_price": line["list_price"]}
        for line in order["lines"]]}
    assert any(p["unit_price"] != p["list_price"] for p in priced.attrs["prices"])
    assert all(isinstance(p["unit_price"], str) for p in priced.attrs["prices"])


def test_a_credit_hold_states_its_reason_and_amount_and_the_release_says_who_released_it():
    order = record(SYSTEM, STREAM, "credit_hold_released")
    (hold_entry,), (release_entry,) = entries(order, "CREDIT_HOLD"), entries(order, "CREDIT_RELEASED")
    milestones = mapped("credit_hold_released")
    (hold,), (release,) = by_kind(milestones, "credit_hold"), by_kind(milestones, "credit_released")
    assert hold.attrs == {"reason": hold_entry["reason"], "amount": hold_entry["amount"]}
    assert release.attrs == {"by": release_entry["by"]}
    assert same_time(release.occurred_at, release_entry["at"])
    assert release.occurred_at > hold.occurred_at


def test_an_order_still_on_credit_hold_ends_with_the_hold_and_is_never_released():
    order = record(SYSTEM, STREAM, "credit_hold_unreleased")
    kinds = [m.kind for m in mapped("credit_hold_unreleased")]
    assert order["status"] == "CREDIT_HOLD"
    assert kinds[-1] == "credit_hold"
    assert not {"credit_released", "released", "atp_confirmed"} & set(kinds)


def test_an_order_refused_credit_is_cancelled_with_the_erps_reason():
    order = record(SYSTEM, STREAM, "credit_refused_cancelled")
    (cancelled,) = by_kind(mapped("credit_refused_cancelled"), "cancelled")
    (entry,) = entries(order, "CANCELLED")
    assert cancelled.attrs == {"reason": entry["reason"]} == {"reason": order["cancel_reason"]}
    assert same_time(cancelled.occurred_at, order["cancelled_at"])


def test_an_atp_check_that_confirms_part_of_a_line_marks_that_line_short_on_both_milestones():
    order = record(SYSTEM, STREAM, "atp_short_partly_confirmed_then_filled")
    (short_entry,), (confirmed_entry,) = entries(order, "ATP_SHORT"), entries(order, "ATP_CONFIRMED")
    milestones = mapped("atp_short_partly_confirmed_then_filled")
    (short,) = by_kind(milestones, "atp_short")
    assert short.attrs == {
        "lines": [{"line_no": line["line_no"], "qty": line["qty_allocated"], "qty_short": line["qty_short"]}
                  for line in short_entry["lines"]],
        "expected_at": short.attrs["expected_at"]}
    assert same_time(short.attrs["expected_at"], short_entry["expected_at"])
    # One check, one instant: a partly confirmed line is also partly short, on both milestones.
    assert short_entry["at"] == confirmed_entry["at"]
    shorts = {line["line_no"]: line["qty_short"] for line in short_entry["lines"]}
    confirmed = by_kind(milestones, "atp_confirmed")[0]
    assert confirmed.attrs == {"lines": [
        {"line_no": line["line_no"], "qty": line["qty"],
         **({"qty_short": shorts[line["line_no"]]} if line["line_no"] in shorts else {})}
        for line in confirmed_entry["lines"]]}
    assert any("qty_short" in line for line in confirmed.attrs["lines"])


def test_a_filled_backorder_confirms_the_backordered_quantity_and_says_it_was_a_backorder():
    order = record(SYSTEM, STREAM, "atp_short_partly_confirmed_then_filled")
    (filled_entry,), (short_entry,) = entries(order, "BACKORDER_FILLED"), entries(order, "ATP_SHORT")
    filled = [m for m in mapped("atp_short_partly_confirmed_then_filled") if m.attrs.get("backorder_filled")]
    assert len(filled) == 1
    assert filled[0].kind == "atp_confirmed"
    assert filled[0].source_event_id == f"{order['order_no']}#{filled_entry['seq']}"
    assert filled[0].attrs == {"lines": [{"line_no": line["line_no"], "qty": line["qty"]}
                                         for line in filled_entry["lines"]], "backorder_filled": True}
    assert {line["line_no"]: line["qty"] for line in filled_entry["lines"]} == {
        line["line_no"]: line["qty_short"] for line in short_entry["lines"]}


def test_a_line_backordered_whole_is_short_by_its_full_quantity_and_missing_from_the_confirmation():
    order = record(SYSTEM, STREAM, "atp_short_whole_line_open")
    (short_entry,) = entries(order, "ATP_SHORT")
    whole = [line for line in short_entry["lines"] if line["qty_allocated"] == 0]
    milestones = mapped("atp_short_whole_line_open")
    (short,) = by_kind(milestones, "atp_short")
    ordered = {line["line_no"]: line["qty"] for line in order["lines"]}
    for line in whole:
        assert {"line_no": line["line_no"], "qty": 0, "qty_short": ordered[line["line_no"]]} in short.attrs["lines"]
    confirmed_lines = {line["line_no"] for m in by_kind(milestones, "atp_confirmed") for line in m.attrs["lines"]}
    assert not confirmed_lines & {line["line_no"] for line in whole}
    assert not [m for m in milestones if m.attrs.get("backorder_filled")]


@pytest.mark.parametrize("name", ["cancelled_before_release", "cancelled_after_release"])
def test_a_customer_cancellation_is_the_last_milestone_with_the_customers_reason(name):
    order = record(SYSTEM, STREAM, name)
    milestones = mapped(name)
    assert milestones[-1].kind == "cancelled"
    assert milestones[-1].attrs == {"reason": "customer_request"} == {"reason": order["cancel_reason"]}
    assert same_time(milestones[-1].occurred_at, order["cancelled_at"])
    released = by_kind(milestones, "released")
    assert bool(released) == (name == "cancelled_after_release")
    for milestone in released:
        assert milestone.attrs == {"warehouse": order["warehouse"]}


def test_an_order_history_event_the_mapping_does_not_know_is_skipped_naming_the_event_and_its_seq():
    # The wire contract has no amendment event today (tower's vocabulary has `amended`); if the
    # ERP starts sending one, the order goes to dead letters with this reason, not silently lost.
    order = record(SYSTEM, STREAM, "released_in_full")
    seq = order["history"][-1]["seq"] + 1
    order["history"].append({"seq": seq, "event": "AMENDED", "at": order["updated_at"]})
    with pytest.raises(SkipRecord) as skipped:
        SalesOrders(None).to_milestones(order)
    assert skipped.value.reason == f"unknown history event 'AMENDED' (seq {seq})"


def test_an_order_whose_history_was_removed_is_skipped_listing_the_fields_that_came():
    item = case(SYSTEM, STREAM, "malformed_missing_field")
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "history"
    with pytest.raises(SkipRecord) as skipped:
        SalesOrders(None).to_milestones(item["record"])
    assert skipped.value.reason == f"missing field 'history' (fields present: {fields_present(item['record'], 'history')})"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_an_order_with_a_spoilt_history_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"].startswith("history[") and spoilt["path"].endswith("].at")
    problem = "has no time zone" if name.endswith("_no_zone") else "is not a valid ISO-8601 time"
    with pytest.raises(SkipRecord) as skipped:
        SalesOrders(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == f"at {problem}: {spoilt['now']!r}"


def test_an_order_line_with_a_quantity_in_words_is_skipped_quoting_the_bad_quantity():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "lines[0].qty"
    with pytest.raises(SkipRecord) as skipped:
        SalesOrders(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == f"field 'qty' must be a whole number, got {spoilt['now']!r}"


def test_a_drifted_order_is_skipped_naming_the_missing_order_number_and_the_new_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    assert "orderNumber" in drifted and "order_no" not in drifted
    with pytest.raises(SkipRecord) as skipped:
        SalesOrders(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'order_no' (fields present: {fields_present(drifted, 'order_no')})"
    assert "orderNumber" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_order_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = record(SYSTEM, STREAM, item["of_case"])
    stream = SalesOrders(None, aliases={"orderNumber": "order_no"})
    assert stream.map(item["record"]) == SalesOrders(None).map(original)
