"""ERP streams: sales orders (their `history` entries are the milestones) and returns.

A sales order is mutable, but its history only grows and each entry has a stable `seq`, so
the milestone key `<order_no>#<seq>` names one fact for ever: re-reading any version of the
order (an overlap, a duplicate page) yields the same keys and the store ignores repeats.
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from collectors.stream import (
    SkipRecord,
    Stream,
    each_object,
    need_int,
    need_list,
    need_object,
    need_text,
    need_time,
    opt_amount,
    opt_date_end,
    opt_text,
    opt_time,
)
from tower.store.milestone import Milestone

SOURCE = "erp"


def _line(line: Mapping[str, Any]) -> dict[str, Any]:
    return {"line_no": need_int(line, "line_no"), "sku": opt_text(line, "sku"),
            "description": opt_text(line, "description"), "qty": need_int(line, "qty"),
            "unit_price": opt_amount(line, "unit_price"), "list_price": opt_amount(line, "list_price")}


def _qty_lines(entry: Mapping[str, Any], qty_field: str) -> list[dict[str, Any]]:
    rows = []
    for line in each_object(need_list(entry, "lines"), "history lines"):
        row = {"line_no": need_int(line, "line_no"), "qty": need_int(line, qty_field)}
        if "qty_short" in line:
            row["qty_short"] = need_int(line, "qty_short")
        rows.append(row)
    return rows


def _placed(order: Mapping[str, Any], lines: list[dict[str, Any]], _entry: Mapping[str, Any]) -> dict[str, Any]:
    customer = need_object(order, "customer")
    return {
        "customer_id": need_text(customer, "id"), "customer_name": opt_text(customer, "name"),
        "customer_tier": opt_text(customer, "tier"), "customer_po": opt_text(order, "customer_po"),
        "channel": need_text(order, "channel"), "warehouse": need_text(order, "warehouse"),
        "region": opt_text(order, "region"), "currency": opt_text(order, "currency"),
        "requested_at": opt_date_end(order, "requested_date"),
        "promised_at": opt_time(order, "promised_at"), "lines": lines,
    }


def _credit_hold(_order: Mapping[str, Any], _lines: Any, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"reason": opt_text(entry, "reason"), "amount": opt_amount(entry, "amount")}


def _priced(_order: Mapping[str, Any], lines: list[dict[str, Any]], _entry: Any) -> dict[str, Any]:
    # Under "prices", not "lines": the store's validation does not let `priced` carry lines
    # (tower.milestones.LINE_KINDS); the placed milestone carries the same prices per line.
    return {"prices": [{k: line[k] for k in ("line_no", "unit_price", "list_price")} for line in lines]}


def _atp_short(_order: Any, _lines: Any, entry: Mapping[str, Any]) -> dict[str, Any]:
    return {"lines": _qty_lines(entry, "qty_allocated"), "expected_at": opt_time(entry, "expected_at")}


def _add_same_check_shortage(confirmed: list[dict[str, Any]], entry: Mapping[str, Any],
                             history: list[Mapping[str, Any]]) -> None:
    """One ATP check writes ATP_SHORT and ATP_CONFIRMED at the same instant; a line partly
    confirmed is also partly short. Say so on the confirmed line too, so the line's state does
    not depend on which of the two same-instant events a reader prefers."""
    shorts = {}
    for other in history:
        if other.get("event") == "ATP_SHORT" and other.get("at") == entry.get("at"):
            for line in _qty_lines(other, "qty_allocated"):
                shorts[line["line_no"]] = line.get("qty_short", 0)
    for line in confirmed:
        if line["line_no"] in shorts:
            line["qty_short"] = shorts[line["line_no"]]


# history event → (milestone kind, attrs builder)
EVENTS: dict[str, tuple[str, Callable[..., dict[str, Any]]]] = {
    "CREATED": ("placed", _placed),
    "CREDIT_HOLD": ("credit_hold", _credit_hold),
    "CREDIT_RELEASED": ("credit_released", lambda o, ls, e: {"by": opt_text(e, "by")}),
    "PRICED": ("priced", _priced),
    "ATP_SHORT": ("atp_short", _atp_short),
    "ATP_CONFIRMED": ("atp_confirmed", lambda o, ls, e: {"lines": _qty_lines(e, "qty")}),
    # The backordered quantity is now confirmed; the WMS releases a second pick wave for it.
    "BACKORDER_FILLED": ("atp_confirmed", lambda o, ls, e: {"lines": _qty_lines(e, "qty"), "backorder_filled": True}),
    "RELEASED": ("released", lambda o, ls, e: {"warehouse": opt_text(e, "warehouse")}),
    "CANCELLED": ("cancelled", lambda o, ls, e: {"reason": opt_text(e, "reason")}),
}


class SalesOrders(Stream):
    name = "sales_orders"
    source = SOURCE
    path = "/v1/sales-orders"
    natural_key = ("order_no", "updated_at")
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        order_no = need_text(record, "order_no")
        need_time(record, "ordered_at")  # the order's key date: a record without it is malformed
        lines = [_line(line) for line in each_object(need_list(record, "lines"), "lines")]
        history = each_object(need_list(record, "history"), "history")
        out = []
        for entry in history:
            event = need_text(entry, "event")
            if event not in EVENTS:
                raise SkipRecord(f"unknown history event {event!r} (seq {entry.get('seq')!r})")
            kind, attrs = EVENTS[event]
            values = attrs(record, lines, entry)
            if event == "ATP_CONFIRMED":
                _add_same_check_shortage(values["lines"], entry, history)
            out.append(Milestone(source=SOURCE, source_event_id=f"{order_no}#{need_int(entry, 'seq')}",
                                 kind=kind, occurred_at=need_time(entry, "at"), order_id=order_no,
                                 attrs=values))
        return out


class Returns(Stream):
    name = "returns"
    source = SOURCE
    path = "/v1/returns"
    natural_key = ("rma_no", "updated_at")
    replication_key = "updated_at"

    def to_milestones(self, record: Any) -> list[Milestone]:
        rma_no = need_text(record, "rma_no")
        lines = [{"line_no": need_int(line, "line_no"), "qty": need_int(line, "qty"),
                  "sku": opt_text(line, "sku")}
                 for line in each_object(need_list(record, "lines"), "lines")]
        return [Milestone(source=SOURCE, source_event_id=f"{rma_no}#requested", kind="return_requested",
                          occurred_at=need_time(record, "requested_at"),
                          order_id=need_text(record, "order_no"), return_id=rma_no,
                          attrs={"lines": lines, "reason": opt_text(record, "reason"),
                                 "rma_no": rma_no})]


STREAMS: list[type[Stream]] = [SalesOrders, Returns]
__all__ = ["SalesOrders", "Returns", "STREAMS"]
