"""WMS tasks (pick, pack, return receipt), mapped from recorded payloads.

Each per-state timestamp of a task is one fact, keyed `<task_id>#started` / `<task_id>#done`.
Pure: a recorded record goes into `Tasks.to_milestones`; no database, no HTTP, no clock.
"""

from __future__ import annotations

import pytest

from collectors.stream import SkipRecord
from collectors.wms.streams import Tasks
from tests.collectors.payloads import bad_time_reason, case, cases, change, fields_present, record, same_time
from tower.store.milestone import normalise

SYSTEM, STREAM = "wms", "tasks"
GOOD = [name for name in cases(SYSTEM, STREAM) if not name.startswith(("malformed_", "drift_"))]


def mapped(name: str) -> list:
    return Tasks(None).to_milestones(record(SYSTEM, STREAM, name))


def base(task: dict) -> dict:
    return {"task_id": task["task_id"], "warehouse": task["warehouse"], "zone": task["zone"],
            "assigned_to": task["assigned_to"]}


def lines(task: dict, qty_field: str) -> list[dict]:
    return [{"line_no": line["ref_line"], "sku": line["sku"], "qty": line[qty_field]} for line in task["lines"]]


def test_a_finished_pick_states_when_it_started_with_the_quantities_asked_and_when_it_ended_with_those_picked():
    task = record(SYSTEM, STREAM, "pick_done")
    started, picked = mapped("pick_done")
    assert (started.source_event_id, started.kind, started.order_id) == (
        f"{task['task_id']}#started", "pick_started", task["order_ref"])
    assert (picked.source_event_id, picked.kind, picked.order_id) == (
        f"{task['task_id']}#done", "picked", task["order_ref"])
    assert same_time(started.occurred_at, task["started_at"])
    assert same_time(picked.occurred_at, task["completed_at"])
    assert started.attrs == {**base(task), "lines": lines(task, "qty_requested")}
    assert picked.attrs == {**base(task), "lines": lines(task, "qty_done")}
    assert len(task["lines"]) >= 2


@pytest.mark.parametrize("name", ["pick_created", "pick_cancelled_before_start", "pack_in_progress"])
def test_a_task_nobody_started_or_finished_yet_states_no_milestone(name):
    task = record(SYSTEM, STREAM, name)
    assert task["completed_at"] is None
    assert task["started_at"] is None or task["type"] == "PACK"
    assert mapped(name) == []


def test_a_pick_in_progress_states_only_that_it_started():
    task = record(SYSTEM, STREAM, "pick_in_progress")
    (started,) = mapped("pick_in_progress")
    assert started.kind == "pick_started"
    assert same_time(started.occurred_at, task["started_at"])
    assert started.attrs == {**base(task), "lines": lines(task, "qty_requested")}


def test_a_pick_cancelled_after_it_began_states_the_start_but_no_pick_although_part_was_done():
    # API.md: qty_done is shown on a cancelled task; the ground truth does not count it as picked.
    task = record(SYSTEM, STREAM, "pick_cancelled_after_start")
    assert task["status"] == "CANCELLED" and any(line["qty_done"] for line in task["lines"])
    (started,) = mapped("pick_cancelled_after_start")
    assert started.kind == "pick_started"
    assert started.attrs["lines"] == lines(task, "qty_requested")


def test_the_pick_of_a_filled_backorder_names_only_the_order_lines_it_picks():
    task = record(SYSTEM, STREAM, "pick_of_filled_backorder")
    milestones = mapped("pick_of_filled_backorder")
    assert [m.kind for m in milestones] == ["pick_started", "picked"]
    assert [line["line_no"] for line in milestones[1].attrs["lines"]] == [line["ref_line"] for line in task["lines"]]
    assert milestones[1].attrs["lines"] != [] and milestones[1].attrs["lines"][0]["line_no"] != 1


def test_a_finished_pack_states_the_shipment_it_packed():
    task = record(SYSTEM, STREAM, "pack_done")
    (packed,) = mapped("pack_done")
    assert (packed.source_event_id, packed.kind, packed.order_id, packed.shipment_id) == (
        f"{task['task_id']}#done", "packed", task["order_ref"], task["shipment_no"])
    assert same_time(packed.occurred_at, task["completed_at"])
    assert packed.attrs == {**base(task), "shipment_id": task["shipment_no"], "lines": lines(task, "qty_done")}


def test_a_return_receipt_states_the_return_received_for_the_erp_rma_with_the_quantities_received():
    task = record(SYSTEM, STREAM, "return_receipt_done")
    (received,) = mapped("return_receipt_done")
    assert (received.source_event_id, received.kind, received.order_id, received.return_id) == (
        f"{task['task_id']}#done", "return_received", task["order_ref"], task["rma_ref"])
    assert same_time(received.occurred_at, task["completed_at"])
    assert received.attrs == {**base(task), "lines": lines(task, "qty_done")}


@pytest.mark.parametrize("name", GOOD)
def test_every_recorded_task_maps_to_milestones_the_store_accepts(name):
    for milestone in mapped(name):
        normalise(milestone)


def test_a_task_without_its_order_reference_is_skipped_listing_the_fields_that_came():
    assert change(SYSTEM, STREAM, "malformed_missing_field")["path"] == "order_ref"
    task = record(SYSTEM, STREAM, "malformed_missing_field")
    with pytest.raises(SkipRecord) as skipped:
        Tasks(None).to_milestones(task)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(task, 'order_ref')})"


def test_a_started_pick_with_a_quantity_in_words_is_skipped_quoting_the_bad_quantity():
    task = record(SYSTEM, STREAM, "malformed_wrong_type")
    spoilt = {c["path"]: c["now"] for c in case(SYSTEM, STREAM, "malformed_wrong_type")["changes"]}
    assert task["type"] == "PICK" and task["started_at"] and "lines[0].qty_requested" in spoilt
    with pytest.raises(SkipRecord) as skipped:
        Tasks(None).to_milestones(task)
    # The start is mapped first, and it states the quantities asked for.
    assert skipped.value.reason == f"field 'qty_requested' must be a whole number, got {spoilt['lines[0].qty_requested']!r}"


@pytest.mark.parametrize("name", cases(SYSTEM, STREAM, "malformed_bad_date_"))
def test_a_task_with_a_spoilt_time_is_skipped_naming_the_field_and_quoting_the_bad_value(name):
    spoilt = change(SYSTEM, STREAM, name)
    with pytest.raises(SkipRecord) as skipped:
        Tasks(None).to_milestones(record(SYSTEM, STREAM, name))
    assert skipped.value.reason == bad_time_reason(name, spoilt["path"], spoilt["now"])


def test_a_drifted_task_is_skipped_naming_the_missing_order_reference_and_the_field_it_came_under():
    drifted = record(SYSTEM, STREAM, "drift_schema_v2")
    with pytest.raises(SkipRecord) as skipped:
        Tasks(None).to_milestones(drifted)
    assert skipped.value.reason == f"missing field 'order_ref' (fields present: {fields_present(drifted, 'order_ref')})"
    assert "order_reference" in skipped.value.reason


def test_with_the_alias_for_the_renamed_field_a_drifted_task_maps_exactly_like_the_original():
    item = case(SYSTEM, STREAM, "drift_schema_v2")
    original = Tasks(None).map(record(SYSTEM, STREAM, item["of_case"]))
    assert original[1], "the drift case should be one that states milestones"
    assert Tasks(None, aliases={"order_reference": "order_ref"}).map(item["record"]) == original
