"""Everything about one order, read in one statement: the order page and `GET /api/v1/orders/<id>`
both read through `read` (and tower.data.orders' per-part functions are views of it).

    with reading() as conn:
        found = order_file.read(order_id, conn=conn, scope=scope)   # None: no such order in scope
    found.header            # dict, as tower.data.orders.header
    found.shipment_rows     # plain dicts (times aware UTC datetimes, numbers float): what an API answer needs
    found.shipments         # the same as a frame, built on first use: what pages and figures need

Why one statement: an order lookup used to be eight statements and eight frames; on a busy
machine each round trip and each frame cost about as much as the whole authenticated request
around it (bench/api.py). The parts come back as JSON arrays and are turned into rows here
once; a frame is only built for the part a caller asks a frame of.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.channels import channel
from tower.data.frames import missing_as_none
from tower.data.scope import Scope
from tower.sqlfiles import load

Q = load(__file__, "order_file.sql")

TIMELINE_COLUMNS = ["occurred_at", "recorded_at", "kind", "source", "source_event_id", "line_no",
                    "shipment_id", "invoice_id", "payment_id", "return_id", "attrs", "channel"]
LINE_COLUMNS = ["line_no", "sku", "description", "qty_ordered", "qty_allocated", "qty_short",
                "qty_picked", "qty_shipped", "qty_delivered", "qty_invoiced", "qty_paid",
                "qty_returned", "qty_credited", "unit_price", "line_value", "stage", "waiting_on"]
SHIPMENT_COLUMNS = ["shipment_id", "warehouse", "carrier", "tracking_no", "status", "shipped_at", "picked_up_at",
                    "promised_delivery_at", "estimated_delivery_at", "delivered_at", "last_scan_at",
                    "last_scan_kind", "failed_attempts"]
INVOICE_COLUMNS = ["invoice_id", "invoice_no", "shipment_id", "issued_at", "due_at", "amount", "paid_amount",
                   "open_amount", "currency", "status"]
PAYMENT_COLUMNS = ["payment_id", "invoice_id", "paid_at", "amount", "method"]
RETURN_COLUMNS = ["return_id", "requested_at", "received_at", "credited_at", "qty_requested", "qty_received",
                  "credit_amount", "status", "reason"]
EXCEPTION_COLUMNS = ["exception_id", "kind", "severity", "status", "team_id", "team_name", "assignee", "title",
                     "opened_at", "due_at", "resolved_at", "resolution", "is_incident", "detail", "policy_version",
                     "origin", "snoozed_until", "escalation_tier", "condition_since"]

# Per part: (columns, time columns, float columns) — the shapes tower.data.orders documents.
_PARTS: dict[str, tuple[list[str], tuple[str, ...], tuple[str, ...]]] = {
    "timeline": (TIMELINE_COLUMNS, ("occurred_at", "recorded_at"), ()),
    "lines": (LINE_COLUMNS, (), tuple(c for c in LINE_COLUMNS if c.startswith("qty_")) + ("unit_price", "line_value")),
    "shipments": (SHIPMENT_COLUMNS, ("shipped_at", "picked_up_at", "promised_delivery_at", "estimated_delivery_at",
                                     "delivered_at", "last_scan_at"), ()),
    "invoices": (INVOICE_COLUMNS, ("issued_at", "due_at"), ("amount", "paid_amount", "open_amount")),
    "payments": (PAYMENT_COLUMNS, ("paid_at",), ("amount",)),
    "returns": (RETURN_COLUMNS, ("requested_at", "received_at", "credited_at"),
                ("qty_requested", "qty_received", "credit_amount")),
    "exceptions": (EXCEPTION_COLUMNS, ("opened_at", "condition_since", "due_at", "resolved_at", "snoozed_until"), ()),
}
_ARRAYS = {f"{part[:-1] if part != 'timeline' else part}_rows": part for part in _PARTS}


def _time(value: Any) -> datetime | None:
    if value is None:
        return None
    return datetime.fromisoformat(value).astimezone(timezone.utc)


def _rows(part: str, raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    columns, times, floats = _PARTS[part]
    out = []
    for r in raw:
        row = {c: r.get(c) for c in columns}
        for c in times:
            row[c] = _time(row[c])
        for c in floats:
            number = row[c]
            if number is not None:
                row[c] = float(number)
        out.append(row)
    return out


def _frame(part: str, rows: list[dict[str, Any]]) -> pd.DataFrame:
    columns, times, floats = _PARTS[part]
    frame = pd.DataFrame(rows, columns=columns)
    for c in times:
        frame[c] = pd.to_datetime(frame[c], utc=True)
    if floats:
        frame[list(floats)] = frame[list(floats)].astype("float64")
    return missing_as_none(frame)


@dataclass(frozen=True)
class OrderFile:
    """One order as `read` found it. `*_rows` are lists of plain dicts in page order; the
    same-named properties without `_rows` are frames in the shapes tower.data.orders documents
    (timeline, lines, shipments, invoices, payments, returns) and tower.data.exceptions.for_order
    documents (exceptions), built on first use."""

    header: dict[str, Any]
    timeline_rows: list[dict[str, Any]] = field(default_factory=list)
    line_rows: list[dict[str, Any]] = field(default_factory=list)
    shipment_rows: list[dict[str, Any]] = field(default_factory=list)
    invoice_rows: list[dict[str, Any]] = field(default_factory=list)
    payment_rows: list[dict[str, Any]] = field(default_factory=list)
    return_rows: list[dict[str, Any]] = field(default_factory=list)
    exception_rows: list[dict[str, Any]] = field(default_factory=list)

    @cached_property
    def timeline(self) -> pd.DataFrame:
        frame = _frame("timeline", self.timeline_rows)
        frame["line_no"] = frame["line_no"].astype("Int64")
        return frame

    @cached_property
    def lines(self) -> pd.DataFrame:
        return _frame("lines", self.line_rows)

    @cached_property
    def shipments(self) -> pd.DataFrame:
        return _frame("shipments", self.shipment_rows)

    @cached_property
    def invoices(self) -> pd.DataFrame:
        return _frame("invoices", self.invoice_rows)

    @cached_property
    def payments(self) -> pd.DataFrame:
        return _frame("payments", self.payment_rows)

    @cached_property
    def returns(self) -> pd.DataFrame:
        return _frame("returns", self.return_rows)

    @cached_property
    def exceptions(self) -> pd.DataFrame:
        return _frame("exceptions", self.exception_rows)

    @property
    def open_exception_rows(self) -> list[dict[str, Any]]:
        return [r for r in self.exception_rows if r["status"] != "resolved"]


def read(order_id: str, *, conn: Connection, scope: Scope) -> OrderFile | None:
    """The order with every part, or None if there is no such order inside `scope` (exactly as
    for an unknown one: nothing tells that it exists). One statement. Header keys as
    tower.data.orders.header; timeline rows also carry `channel` (how each fact reached tower,
    tower.data.channels)."""
    row = conn.execute(Q["whole"], {"order_id": order_id, "warehouses": scope.param()}).mappings().first()
    if row is None:
        return None
    header = {k: v for k, v in row.items() if k not in _ARRAYS}
    parts = {name: _rows(part, row[name] or []) for name, part in _ARRAYS.items()}
    for r in parts["timeline_rows"]:
        r["channel"] = channel(r["source"], r["attrs"])
    return OrderFile(header=header, **parts)
