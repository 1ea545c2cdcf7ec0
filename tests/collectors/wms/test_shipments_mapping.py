"""WMS shipments (ship confirms), mapped from recorded payloads: one `shipped` per shipment.

Pure: a recorded record goes into `Shipments.to_milestones`; no database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.stream import SkipRecord
from collectors.wms.streams import Shipments
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

SYSTEM, STREAM = "wms", "shipments"
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return Shipments(None).to_milestones(record(SYSTEM, STREAM, name))


@pytest.mark.parametrize("name", GOOD)
def test_a_ship_confirm_states_shipped_for_its_order_with_carrier_tracking_promise_and_lines(name):
    ship = record(SYSTEM, STREAM, name)
    (shipped,) = mapped(name)
    assert (shipped.source, shipped.source_event_id, shipped.kind) == ("wms", f"{ship['shipment_no']}#shipped", "shipped")
    assert (shipped.order_id, shipped.shipment_id) == (ship["order_ref"], ship["shipment_no"])
    assert same_time(shipped.occurred_at, ship["shipped_at"])
    assert shipped.attrs == {
        "shipment_id": ship["shipment_no"], "carrier": ship["carrier_code"], "service": ship["service"],
        "tracking_no": ship["tracking_number"], "warehouse": ship["warehouse"],
        # A promised delivery *date* is kept only once that whole day is over.
        "promised_delivery_at": end_of_day_utc(ship["promised_delivery_date"]),
        "packages": ship["packages"],
        "lines": [{"line_no": line["ref_line"], "sku": line["sku"], "qty": line["qty"]} for line in ship["lines"]],
    }


def test_a_partly_backordered_order_ships_twice_and_each_shipment_is_its_own_fact_with_its_own_lines():
    first, second = record(SYSTEM, STREAM, "partial_first"), record(SYSTEM, STREAM, "backorder_second")
    (a,), (b,) = mapped("partial_first"), mapped("backorder_second")
    assert a.order_id == b.order_id == first["order_ref"] == second["order_ref"]
    assert (a.shipment_id, b.shipment_id) == (first["shipment_no"], second["shipment_no"])
    assert a.source_event_id != b.source_event_id and a.attrs["tracking_no"] != b.attrs["tracking_no"]
    for milestone, ship in ((a, first), (b, second)):
        assert [(l["line_no"], l["qty"]) for l in milestone.attrs["lines"]] == [
            (l["ref_line"], l["qty"]) for l in ship["lines"]]
    # A line partly short ships in both: each shipment states only its own part of it.
    shared = {l["line_no"] for l in a.attrs["lines"]} & {l["line_no"] for l in b.attrs["lines"]}
    assert shared


def test_a_freight_shipment_keeps_its_ltl_service_and_carrier():
    ship = record(SYSTEM, STREAM, "ltl_freight")
    (shipped,) = mapped("ltl_freight")
    assert (shipped.attrs["service"], shipped.attrs["carrier"]) == ("LTL", ship["carrier_code"])


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_shipment_maps_to_a_milestone_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_a_shipment_without_its_order_reference_is_skipped_listing_the_fields_that_came():
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "order_ref"
    ship = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        Shipments(None).to_milestones(ship)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(ship, 'order_ref')})"


def test_a_shipment_whose_lines_are_prose_is_skipped_saying_lines_must_be_a_list():
    spoilt = change(SYSTEM, STREAM, "malformed_wrong_type")
    assert spoilt["path"] == "lines" and isinstance(spoilt["now"], str)
    with pytest.raises(SkipRecord) as skipped:
        Shipments(None).to_milestones(record(SYSTEM, STREAM, "malformed_wrong_type"))
    assert skipped.value.reason == "field 'lines' must be a list, got str"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_a_shipment_with_a_spoilt_ship_time_is_skipped_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    assert spoilt["path"] == "shipped_at"
    with pytest.raises(SkipRecord) as skipped:
        Shipments(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, "shipped_at", spoilt["now"])


def test_a_drifted_shipment_is_skipped_naming_the_missing_order_reference_and_the_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    with pytest.raises(SkipRecord) as skipped:
        Shipments(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(drifted, 'order_ref')})"
    assert "order_reference" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_shipment_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = Shipments(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert Shipments(None, aliases={"order_reference": "order_ref"}).map(item["record"]) == original
