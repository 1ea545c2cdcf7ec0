"""Carrier tracking events, mapped from recorded payloads: one milestone per scan.

The carrier never knows the order: each milestone names it through the tracking number (a ref
the store resolves, or parks until the WMS ship confirm arrives). Scan times keep the local
offset of the scan location. Pure: no database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.carrier.streams import TrackingEvents
from collectors.stream import SkipRecord
from tests.collectors.payloads import bad_time_reason, case, cases, change, fields_present, record, same_time
from tower.store.milestone import Ref, normalise

SYSTEM, STREAM = "carrier", "tracking_events"
# API.md, "GET /v1/tracking-events": the tower kind of each scan code.
KIND_OF_CODE = {"PICKED_UP": "carrier_pickup", "IN_TRANSIT": "in_transit", "DELAYED": "delayed",
                "OUT_FOR_DELIVERY": "out_for_delivery", "DELIVERY_FAILED": "delivery_failed",
                "DELIVERED": "delivered"}
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return TrackingEvents(None).to_milestones(record(SYSTEM, STREAM, name))


@pytest.mark.parametrize("name", GOOD)
def test_a_scan_becomes_one_milestone_named_through_its_tracking_number_at_the_local_scan_time(name):
    scan = record(SYSTEM, STREAM, name)
    (milestone,) = mapped(name)
    assert (milestone.source, milestone.source_event_id, milestone.kind) == (
        "carrier", scan["event_id"], KIND_OF_CODE[scan["code"]])
    assert milestone.order_id is None
    assert milestone.ref == Ref("carrier", "tracking_no", scan["tracking_number"])
    assert milestone.shipment_id == scan["shipper_reference"]
    assert same_time(milestone.occurred_at, scan["occurred_at"])  # the instant and its -04:00/-07:00
    assert milestone.occurred_at.utcoffset().total_seconds() < 0


@pytest.mark.parametrize("name", GOOD)
def test_a_scan_carries_what_the_carrier_said_and_leaves_out_what_it_left_empty(name):
    scan = record(SYSTEM, STREAM, name)
    (milestone,) = mapped(name)
    estimate = milestone.attrs.pop("estimated_delivery_at")
    assert same_time(estimate, scan["estimated_delivery"])
    said = {"tracking_no": scan["tracking_number"], "carrier": scan["carrier"], "code": scan["code"],
            "description": scan["description"], "location": scan["location"],
            "reason": scan["delay_reason"] or scan["failure_reason"],
            "proof_of_delivery": scan["proof_of_delivery"]}
    assert milestone.attrs == {k: v for k, v in said.items() if v is not None}


def test_every_scan_code_of_the_wire_contract_is_recorded_and_mapped():
    assert {record(SYSTEM, STREAM, name)["code"] for name in GOOD} == set(KIND_OF_CODE)


def test_a_delay_states_why_and_the_new_estimated_delivery():
    scan = record(SYSTEM, STREAM, "delayed")
    (delayed,) = mapped("delayed")
    assert delayed.attrs["reason"] == scan["delay_reason"] is not None
    assert same_time(delayed.attrs["estimated_delivery_at"], scan["estimated_delivery"])


def test_a_failed_delivery_states_why_it_failed():
    scan = record(SYSTEM, STREAM, "delivery_failed")
    (failed,) = mapped("delivery_failed")
    assert failed.attrs["reason"] == scan["failure_reason"] is not None


def test_a_delivery_carries_its_proof_of_delivery():
    scan = record(SYSTEM, STREAM, "delivered")
    (delivered,) = mapped("delivered")
    assert delivered.attrs["proof_of_delivery"] == scan["proof_of_delivery"]
    assert set(scan["proof_of_delivery"]) == {"signed_by", "image_url"}


def test_a_pacific_scan_keeps_its_pacific_offset():
    scan = record(SYSTEM, STREAM, "pacific_time_scan")
    (milestone,) = mapped("pacific_time_scan")
    assert milestone.occurred_at.isoformat(timespec="milliseconds") == scan["occurred_at"]
    assert scan["occurred_at"].endswith(("-07:00", "-08:00"))


def test_a_scan_recorded_before_the_ship_confirm_still_maps_naming_its_order_only_through_the_tracking_number():
    scan = record(SYSTEM, STREAM, "scan_before_ship_confirm")
    (milestone,) = mapped("scan_before_ship_confirm")
    assert milestone.order_id is None
    assert milestone.ref == Ref("carrier", "tracking_no", scan["tracking_number"])


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_scan_maps_to_a_milestone_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_a_scan_without_its_tracking_number_is_skipped_listing_the_fields_that_came():
    removed = {c["path"] for c in case(SYSTEM, STREAM, "malformed_missing_field")["changes"]}
    assert "tracking_number" in removed
    scan = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        TrackingEvents(None).to_milestones(scan)
    assert skipped.value.reason == f"missing field 'tracking_number' (fields present: {fields_present(scan, 'tracking_number')})"


def test_a_scan_whose_code_is_a_list_is_skipped_quoting_the_bad_code():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "code"
    with pytest.raises(SkipRecord) as skipped:
        TrackingEvents(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == f"field 'code' must be text, got list {spoilt['now']!r}"


def test_a_scan_code_the_wire_contract_does_not_list_is_skipped_naming_the_code():
    scan = record(SYSTEM, STREAM, "in_transit")
    scan["code"] = "HELD_AT_CUSTOMS"  # a recorded scan with a code the contract does not have
    with pytest.raises(SkipRecord) as skipped:
        TrackingEvents(None).to_milestones(scan)
    assert skipped.value.reason == "unknown tracking code 'HELD_AT_CUSTOMS'"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_a_scan_with_a_spoilt_scan_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"] == "occurred_at"
    with pytest.raises(SkipRecord) as skipped:
        TrackingEvents(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, "occurred_at", spoilt["now"])


def test_a_drifted_scan_is_skipped_naming_the_missing_tracking_number_and_the_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    with pytest.raises(SkipRecord) as skipped:
        TrackingEvents(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'tracking_number' (fields present: {fields_present(drifted, 'tracking_number')})"
    assert "trackingNumber" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_scan_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = TrackingEvents(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert TrackingEvents(None, aliases={"trackingNumber": "tracking_number"}).map(item["record"]) == original
