"""One milestone: the shape collectors hand to `store.ingest`, and its validation.

A milestone names its order either directly (`order_id`, the ERP order number) or through a
reference another system knows (`ref`: a carrier's tracking number, a finance invoice number).
Attribute conventions per kind (all optional unless a rule needs them):

    placed / amended   customer_id, customer_name, customer_tier, customer_po, channel,
                       warehouse, region, currency, requested_at, promised_at,
                       lines: [{line_no, sku, description, qty, unit_price, list_price}]
    credit_hold        reason, amount             credit_released   by
    priced             lines: [{line_no, unit_price, list_price}]
    atp_short          lines: [{line_no, qty, qty_short}], expected_at  (qty = allocated)
    atp_confirmed      lines: [{line_no, qty}]
    released           warehouse
    pick_started       lines | line_no, task_id   picked   lines: [{line_no, qty}], task_id
    packed             shipment_id, lines
    shipped            shipment_id, carrier, tracking_no, lines, promised_delivery_at
    carrier events     shipment_id or ref tracking_no; location; delayed: estimated_delivery_at
    invoiced           invoice_id, invoice_no, amount, currency, due_at, shipment_id,
                       lines: [{line_no, qty, unit_price}]
    paid               payment_id, invoice_id, amount, method
    return_requested / return_received / credited
                       return_id, lines, reason; credited: amount
    cancelled          reason
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Mapping

import orjson

from tower.milestones import KINDS, LINE_KINDS, InvalidMilestone, parse_time

TIME_ATTRS = ("requested_at", "promised_at", "due_at", "expected_at",
              "promised_delivery_at", "estimated_delivery_at")
AMOUNT_ATTRS = ("amount",)
OBJECT_FIELDS = ("shipment_id", "invoice_id", "payment_id", "return_id")


@dataclass(frozen=True)
class Ref:
    """A key another system uses for the order, resolved through `identifiers`."""

    system: str
    kind: str
    value: str


@dataclass
class Milestone:
    source: str
    source_event_id: str
    kind: str
    occurred_at: datetime | str
    order_id: str | None = None
    ref: Ref | None = None
    line_no: int | None = None
    shipment_id: str | None = None
    invoice_id: str | None = None
    payment_id: str | None = None
    return_id: str | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Rejected:
    record: Any
    reason: str


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float, Decimal)):
        return True
    if isinstance(value, str):
        try:
            Decimal(value)
            return True
        except ArithmeticError:
            return False
    return False


def _check_lines(lines: Any) -> None:
    if not isinstance(lines, list):
        raise InvalidMilestone("attrs.lines must be a list")
    for line in lines:
        if not isinstance(line, dict):
            raise InvalidMilestone("each of attrs.lines must be an object")
        if not isinstance(line.get("line_no"), int) or isinstance(line.get("line_no"), bool):
            raise InvalidMilestone(f"line_no must be an integer, got {line.get('line_no')!r}")
        for key in ("qty", "qty_short", "unit_price", "list_price"):
            if key in line and line[key] is not None and not _is_number(line[key]):
                raise InvalidMilestone(f"line {line['line_no']}: {key} must be a number, got {line[key]!r}")


def _text(value: Any, what: str, required: bool) -> str | None:
    if value is None or value == "":
        if required:
            raise InvalidMilestone(f"{what} is missing")
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidMilestone(f"{what} must be text, got {type(value).__name__}")
    return str(value)


def _ref(value: Any) -> Ref | None:
    if value is None:
        return None
    if isinstance(value, Ref):
        return value
    if isinstance(value, (dict, Mapping)) and all(isinstance(value.get(k), str) and value.get(k) for k in ("system", "kind", "value")):
        return Ref(value["system"], value["kind"], value["value"])
    raise InvalidMilestone(f"ref must have system, kind and value, got {value!r}")


def normalise(record: Milestone | Mapping[str, Any]) -> dict[str, Any]:
    """A validated row for the store, or InvalidMilestone with the reason."""
    # dict first: isinstance against the Mapping ABC is slow, and this runs for every record.
    get = record.get if isinstance(record, (dict, Mapping)) else lambda k, d=None: getattr(record, k, d)
    kind = get("kind")
    if kind not in KINDS:
        raise InvalidMilestone(f"unknown kind {kind!r}")
    source = _text(get("source"), "source", True)
    source_event_id = _text(get("source_event_id"), "source_event_id", True)
    order_id = _text(get("order_id"), "order_id", False)
    ref = _ref(get("ref"))
    if order_id is None and ref is None:
        raise InvalidMilestone("no order reference (order_id or ref)")
    occurred_at = parse_time(get("occurred_at"), "occurred_at")
    attrs = get("attrs") or {}
    if not isinstance(attrs, (dict, Mapping)):
        raise InvalidMilestone("attrs must be an object")
    attrs = dict(attrs)
    line_no = get("line_no")
    if line_no is not None and (not isinstance(line_no, int) or isinstance(line_no, bool)):
        raise InvalidMilestone(f"line_no must be an integer, got {line_no!r}")
    if "lines" in attrs:
        if kind not in LINE_KINDS:
            raise InvalidMilestone(f"kind {kind!r} does not carry lines")
        _check_lines(attrs["lines"])
    if "qty" in attrs and attrs["qty"] is not None and not _is_number(attrs["qty"]):
        raise InvalidMilestone(f"qty must be a number, got {attrs['qty']!r}")
    for key in AMOUNT_ATTRS:
        if key in attrs and attrs[key] is not None and not _is_number(attrs[key]):
            raise InvalidMilestone(f"{key} must be a number, got {attrs[key]!r}")
    for key in TIME_ATTRS:
        if attrs.get(key) is not None:
            attrs[key] = parse_time(attrs[key], f"attrs.{key}").isoformat()
    row: dict[str, Any] = {
        "order_id": order_id,
        "source": source,
        "source_event_id": source_event_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "line_no": line_no,
        "ref": ref,
    }
    for key in OBJECT_FIELDS:
        row[key] = _text(get(key) if get(key) is not None else attrs.get(key), key, False)
    try:
        row["attrs"] = orjson.dumps(attrs, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, ValueError, orjson.JSONEncodeError) as exc:
        raise InvalidMilestone(f"attrs cannot be stored as JSON: {exc}") from None
    return row
