"""The vocabulary of milestones: every kind tower knows, the system that normally reports it and
its place in the order-to-cash flow, and how a milestone's times are read (`parse_time`).

A leaf: it imports nothing of tower, so the store, the rules, the collectors, the figures and
the pages can all share one vocabulary without importing each other.

`rank` is the fixed stage order used to break ties between events at the same instant (never
arrival order). Kinds that are side facts (a delay, a hold) share the rank of the stage they
happen in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Kind:
    name: str
    rank: int
    system: str
    object_type: str  # the OCEL object type the event is mainly about
    label: str


_KINDS = [
    Kind("placed", 10, "erp", "order", "Order placed"),
    Kind("amended", 11, "erp", "order", "Order amended"),
    Kind("credit_hold", 20, "erp", "order", "Credit hold"),
    Kind("credit_released", 21, "erp", "order", "Credit released"),
    Kind("priced", 22, "erp", "order", "Priced"),
    Kind("atp_short", 23, "erp", "line", "Stock short (backorder)"),
    Kind("atp_confirmed", 24, "erp", "line", "Stock confirmed"),
    Kind("released", 30, "erp", "order", "Released to warehouse"),
    Kind("pick_started", 40, "wms", "line", "Pick started"),
    Kind("picked", 41, "wms", "line", "Picked"),
    Kind("packed", 50, "wms", "shipment", "Packed"),
    Kind("shipped", 60, "wms", "shipment", "Shipped"),
    Kind("carrier_pickup", 61, "carrier", "shipment", "Picked up by carrier"),
    Kind("in_transit", 62, "carrier", "shipment", "In transit"),
    Kind("delayed", 63, "carrier", "shipment", "Carrier delay"),
    Kind("out_for_delivery", 64, "carrier", "shipment", "Out for delivery"),
    Kind("delivery_failed", 65, "carrier", "shipment", "Delivery failed"),
    Kind("delivered", 70, "carrier", "shipment", "Delivered"),
    Kind("invoiced", 80, "finance", "invoice", "Invoiced"),
    Kind("paid", 90, "finance", "payment", "Paid"),
    Kind("return_requested", 100, "erp", "return", "Return requested"),
    Kind("return_received", 101, "wms", "return", "Return received"),
    Kind("credited", 102, "finance", "return", "Credit note issued"),
    Kind("cancelled", 110, "erp", "order", "Cancelled"),
]

KINDS: dict[str, Kind] = {k.name: k for k in _KINDS}
SOURCES = ("erp", "wms", "carrier", "finance", "import")

# Kinds whose attrs may carry `lines`: [{"line_no": int, "qty": number, ...}].
LINE_KINDS = frozenset(
    {"placed", "amended", "priced", "atp_short", "atp_confirmed", "pick_started", "picked", "packed",
     "shipped", "invoiced", "return_requested", "return_received", "credited"}
)

# The whole-order stages, in order. `stage` in the orders projection is always one of these.
STAGES = (
    "entered", "validated", "released", "picked", "packed", "shipped", "delivered",
    "invoiced", "paid", "cancelled",
)


def rank(kind: str) -> int:
    return KINDS[kind].rank


class InvalidMilestone(ValueError):
    """A milestone (or one of its fields) that cannot be stored; the message says why."""


def parse_time(value: Any, what: str) -> datetime:
    """An aware datetime from a datetime or an ISO-8601 string; naive times are refused,
    because a time without a zone cannot be placed on any SLA clock."""
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InvalidMilestone(f"{what} is not a valid ISO-8601 time: {value!r}") from None
    else:
        raise InvalidMilestone(f"{what} must be a time, got {type(value).__name__}")
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise InvalidMilestone(f"{what} has no time zone: {value!r}")
    return parsed
