"""WMS streams: tasks (pick, pack, return receipt) and shipments (the ship confirm).

The WMS names the ERP order only as `order_ref`. A task is mutable; each of its per-state
timestamps is one fact, keyed `<task_id>#started` / `<task_id>#done`, so every version of the
task maps to the same keys.
"""

from __future__ import annotations

from typing import Any, Mapping

from collectors.stream import (
    SkipRecord,
    Stream,
    each_object,
    need_int,
    need_list,
    need_text,
    need_time,
    opt_date_end,
    opt_text,
    opt_time,
)
from tower.store.milestone import Milestone

SOURCE = "wms"
TASK_TYPES = ("PICK", "PACK", "RETURN_RECEIPT")
TASK_STATUSES = ("CREATED", "IN_PROGRESS", "DONE", "CANCELLED")


def _task_lines(record: Mapping[str, Any], done: bool) -> list[dict[str, Any]]:
    rows = []
    for line in each_object(need_list(record, "lines"), "lines"):
        row = {"line_no": need_int(line, "ref_line"), "sku": opt_text(line, "sku"),
               "qty": need_int(line, "qty_done" if done else "qty_requested")}
        rows.append(row)
    return rows


class Tasks(Stream):
    name = "tasks"
    source = SOURCE
    path = "/v1/tasks"
    natural_key = ("task_id", "updated_at")
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        task_id = need_text(record, "task_id")
        kind = need_text(record, "type")
        status = need_text(record, "status")
        if kind not in TASK_TYPES:
            raise SkipRecord(f"unknown task type {kind!r}")
        if status not in TASK_STATUSES:
            raise SkipRecord(f"unknown task status {status!r}")
        order_id = need_text(record, "order_ref")
        need_time(record, "created_at")
        started, completed = opt_time(record, "started_at"), opt_time(record, "completed_at")
        base = {"task_id": task_id, "warehouse": opt_text(record, "warehouse"),
                "zone": opt_text(record, "zone"), "assigned_to": opt_text(record, "assigned_to")}
        out: list[Milestone] = []

        def add(suffix: str, milestone_kind: str, at: Any, **fields: Any) -> None:
            out.append(Milestone(source=SOURCE, source_event_id=f"{task_id}#{suffix}", kind=milestone_kind,
                                 occurred_at=at, order_id=order_id, **fields))

        if kind == "PICK":
            if started is not None:
                add("started", "pick_started", started, attrs={**base, "lines": _task_lines(record, False)})
            if completed is not None and status == "DONE":
                add("done", "picked", completed, attrs={**base, "lines": _task_lines(record, True)})
        elif kind == "PACK":
            if completed is not None and status == "DONE":
                shipment = need_text(record, "shipment_no")
                add("done", "packed", completed, shipment_id=shipment,
                    attrs={**base, "shipment_id": shipment, "lines": _task_lines(record, True)})
        elif completed is not None and status == "DONE":  # RETURN_RECEIPT
            rma = need_text(record, "rma_ref")
            add("done", "return_received", completed, return_id=rma,
                attrs={**base, "lines": _task_lines(record, True)})
        return out


class Shipments(Stream):
    name = "shipments"
    source = SOURCE
    path = "/v1/shipments"
    natural_key = ("shipment_no", "updated_at")
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        shipment_no = need_text(record, "shipment_no")
        lines = [{"line_no": need_int(line, "ref_line"), "sku": opt_text(line, "sku"),
                  "qty": need_int(line, "qty")}
                 for line in each_object(need_list(record, "lines"), "lines")]
        return [Milestone(
            source=SOURCE, source_event_id=f"{shipment_no}#shipped", kind="shipped",
            occurred_at=need_time(record, "shipped_at"), order_id=need_text(record, "order_ref"),
            shipment_id=shipment_no,
            attrs={"shipment_id": shipment_no, "carrier": need_text(record, "carrier_code"),
                   "service": opt_text(record, "service"),
                   "tracking_no": need_text(record, "tracking_number"),
                   "warehouse": opt_text(record, "warehouse"),
                   "promised_delivery_at": opt_date_end(record, "promised_delivery_date"),
                   "packages": record.get("packages"), "lines": lines},
        )]


STREAMS: list[type[Stream]] = [Tasks, Shipments]
__all__ = ["Tasks", "Shipments", "STREAMS"]
