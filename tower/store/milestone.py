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
_TIME_KEYS = frozenset(TIME_ATTRS)
NUMBER_ATTRS = ("qty", "amount")
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
    if type(value) is int or type(value) is float:  # the common case first (bool is not int here)
        return True
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


_LINE_NUMBERS = ("qty", "qty_short", "unit_price", "list_price")


def _check_lines(lines: Any) -> None:
    if type(lines) is not list:
        if not isinstance(lines, list):
            raise InvalidMilestone("attrs.lines must be a list")
    for line in lines:
        if type(line) is not dict and not isinstance(line, dict):
            raise InvalidMilestone("each of attrs.lines must be an object")
        line_no = line.get("line_no")
        if type(line_no) is not int:  # bool is not int here; an int subclass is checked below
            if not isinstance(line_no, int) or isinstance(line_no, bool):
                raise InvalidMilestone(f"line_no must be an integer, got {line_no!r}")
        for key in _LINE_NUMBERS:
            value = line.get(key)
            if value is not None and not _is_number(value):
                raise InvalidMilestone(f"line {line_no}: {key} must be a number, got {value!r}")


def _text(value: Any, what: str, required: bool) -> str | None:
    if type(value) is str and value:  # the common case, checked first: this runs per field
        return value
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
    if type(value) is dict:  # the common case (JSON from a collector), without the ABC check
        system, kind, key = value.get("system"), value.get("kind"), value.get("value")
        if type(system) is str and type(kind) is str and type(key) is str and system and kind and key:
            return Ref(system, kind, key)
    if isinstance(value, (dict, Mapping)) and all(isinstance(value.get(k), str) and value.get(k) for k in ("system", "kind", "value")):
        return Ref(value["system"], value["kind"], value["value"])
    raise InvalidMilestone(f"ref must have system, kind and value, got {value!r}")


def normalise(record: Milestone | Mapping[str, Any]) -> dict[str, Any]:
    """A validated row for the store, or InvalidMilestone with the reason."""
    # This runs for every record a collector hands over (it was a sixth of ingest's time), so
    # the common case is checked first with exact type tests, and the general checks (the
    # Mapping ABC, int subclasses, numbers as text) only run when that fails.
    if type(record) is dict or isinstance(record, Mapping):
        get = record.get
    else:
        get = lambda k, d=None: getattr(record, k, d)  # noqa: E731
    kind = get("kind")
    if kind not in KINDS:
        raise InvalidMilestone(f"unknown kind {kind!r}")
    source = _text(get("source"), "source", True)
    source_event_id = _text(get("source_event_id"), "source_event_id", True)
    order_id = _text(get("order_id"), "order_id", False)
    ref = get("ref")
    if ref is not None:
        ref = _ref(ref)
    elif order_id is None:
        raise InvalidMilestone("no order reference (order_id or ref)")
    occurred_at = parse_time(get("occurred_at"), "occurred_at")
    attrs = get("attrs")
    if not attrs:
        attrs = {}
    elif type(attrs) is not dict:
        if not isinstance(attrs, Mapping):
            raise InvalidMilestone("attrs must be an object")
        attrs = dict(attrs)
    line_no = get("line_no")
    if line_no is not None and type(line_no) is not int:
        if not isinstance(line_no, int) or isinstance(line_no, bool):
            raise InvalidMilestone(f"line_no must be an integer, got {line_no!r}")
    if "lines" in attrs:
        if kind not in LINE_KINDS:
            raise InvalidMilestone(f"kind {kind!r} does not carry lines")
        _check_lines(attrs["lines"])
    for key in NUMBER_ATTRS:
        value = attrs.get(key)
        if value is not None and not _is_number(value):
            raise InvalidMilestone(f"{key} must be a number, got {value!r}")
    if not _TIME_KEYS.isdisjoint(attrs):  # most facts carry none
        attrs = dict(attrs)  # the caller's record is not changed
        for key in TIME_ATTRS:
            value = attrs.get(key)
            if value is not None:
                attrs[key] = parse_time(value, f"attrs.{key}").isoformat()
    try:
        attrs_json = orjson.dumps(attrs, default=str, option=orjson.OPT_SORT_KEYS).decode()
    except (TypeError, ValueError, orjson.JSONEncodeError) as exc:
        raise InvalidMilestone(f"attrs cannot be stored as JSON: {exc}") from None
    row: dict[str, Any] = {
        "order_id": order_id,
        "source": source,
        "source_event_id": source_event_id,
        "kind": kind,
        "occurred_at": occurred_at,
        "line_no": line_no,
        "ref": ref,
        "attrs": attrs_json,
    }
    for key in OBJECT_FIELDS:  # given on the record, or else in its attrs
        value = get(key)
        row[key] = _text(value if value is not None else attrs.get(key), key, False)
    return row
