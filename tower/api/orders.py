"""/api/v1/orders: find an order by any key a customer quotes, and everything about one order
(the same reads as the orders and order pages: tower.data.orders, .order_file, .freshness,
.order_status)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from tower.api import convert
from tower.api.exceptions import ExceptionOut
from tower.api.framework import Call, Strict, api
from tower.api.problems import Problem
from tower.components.order_text import summary as status_in_words
from tower.data import freshness, order_file, order_status, orders
from tower.data.access import reading


class SearchQuery(Strict):
    q: str = Field(min_length=1, max_length=orders.MAX_SEARCH_CHARS,
                   description="an order number, customer PO, tracking or invoice number, or part of a name")
    limit: int = Field(default=20, ge=1, le=50)


class OrderMatch(BaseModel):
    order_id: str
    matched_on: str | None = Field(description="which key matched: order number, customer PO, ...")
    key_value: str | None
    customer_name: str | None
    customer_po: str | None
    warehouse: str | None
    stage: str | None
    status: str | None
    sla_state: str | None
    waiting_on: str | None
    placed_at: datetime | None
    promised_at: datetime | None
    value: float | None
    currency: str | None


class OrderMatches(BaseModel):
    items: list[OrderMatch]
    next_cursor: str | None = Field(description="always null: a search answers its best matches in one page")


class Header(BaseModel):
    order_id: str
    customer_po: str | None
    customer_id: str | None
    customer_name: str | None
    channel: str | None
    warehouse: str | None
    region: str | None
    currency: str | None
    placed_at: datetime | None
    requested_at: datetime | None
    promised_at: datetime | None
    value: float | None
    stage: str | None
    status: str | None
    is_partial: bool | None
    credit_hold: bool | None
    waiting_on: str | None
    owner_team: str | None
    owner_team_name: str | None
    due_at: datetime | None
    sla_state: str | None
    reason: str | None
    evaluated_at: datetime | None
    last_event_at: datetime | None


class Event(BaseModel):
    occurred_at: datetime | None
    recorded_at: datetime | None
    kind: str
    source: str
    source_event_id: str
    line_no: int | None
    shipment_id: str | None
    invoice_id: str | None
    channel: str | None = Field(None, description="how the fact reached tower: 'via EDI 856 from partner "
                                                  "acme-3pl', 'via carrier webhook (easypost)', 'via API', "
                                                  "'via ERP poll', 'via import'")


class Line(BaseModel):
    line_no: int
    sku: str | None
    description: str | None
    qty_ordered: float | None
    qty_allocated: float | None
    qty_short: float | None
    qty_picked: float | None
    qty_shipped: float | None
    qty_delivered: float | None
    qty_invoiced: float | None
    qty_paid: float | None
    qty_returned: float | None
    unit_price: float | None
    line_value: float | None
    stage: str | None
    waiting_on: str | None


class Shipment(BaseModel):
    shipment_id: str
    carrier: str | None
    tracking_no: str | None
    status: str | None
    shipped_at: datetime | None
    promised_delivery_at: datetime | None
    estimated_delivery_at: datetime | None
    delivered_at: datetime | None
    last_scan_at: datetime | None
    last_scan_kind: str | None


class Invoice(BaseModel):
    invoice_id: str
    invoice_no: str | None
    issued_at: datetime | None
    due_at: datetime | None
    amount: float | None
    paid_amount: float | None
    open_amount: float | None
    currency: str | None
    status: str | None


class Payment(BaseModel):
    payment_id: str
    invoice_id: str | None
    paid_at: datetime | None
    amount: float | None
    method: str | None


class SourceFreshness(BaseModel):
    source: str
    label: str | None
    status: str | None = Field(description="the system's freshness: fresh, stale, never or unknown")
    last_heard_at: datetime | None = Field(description="the newest fact this system reported about the order")
    last_success_at: datetime | None = Field(description="the system's last good poll")
    age_seconds: float | None


class OrderOut(BaseModel):
    order: Header
    status_in_words: str = Field(description="the plain-language status a customer can be given")
    timeline: list[Event]
    lines: list[Line]
    shipments: list[Shipment]
    invoices: list[Invoice]
    payments: list[Payment]
    open_exceptions: list[ExceptionOut]
    sources: list[SourceFreshness]


def _from_rows(model: type[BaseModel], rows: list[dict[str, Any]]) -> list[Any]:
    # Rows from tower.data (order_file, search_rows, source_rows) are plain values already
    # (aware datetimes, floats, None): no frame is built on the API path.
    names = model.model_fields
    return [model.model_validate({k: v for k, v in r.items() if k in names}) for r in rows]


@api.operation("GET", "/v1/orders", summary="Find orders", tag="orders", scope="orders:read",
               query=SearchQuery, response=OrderMatches)
def search(call: Call) -> OrderMatches:
    """Orders matching an order number, customer PO, tracking or invoice number (exactly) or a
    customer name (by similarity), best match first, within the caller's warehouses."""
    q: SearchQuery = call.query
    with reading() as conn:
        found = orders.search_rows(orders.clean_search_text(q.q), conn=conn, scope=call.scope, limit=q.limit)
    items = _from_rows(OrderMatch, found)
    return OrderMatches(items=items, next_cursor=None)


@api.operation("GET", "/v1/orders/<order_id>", summary="One order", tag="orders", scope="orders:read",
               response=OrderOut, path_params={"order_id": "the order number"})
def get_order(call: Call, order_id: str) -> OrderOut:
    """An order with its status in words, timeline, lines, shipments, invoices, payments, open
    exceptions and how fresh each system's view of it is. An order outside the caller's
    warehouses is answered exactly like an unknown one (404)."""
    if len(order_id) > orders.MAX_SEARCH_CHARS or "\x00" in order_id:
        raise Problem(404, "Not found", "There is no such order you may see.")
    with reading() as conn:
        found = order_file.read(order_id, conn=conn, scope=call.scope)
        if found is None:
            raise Problem(404, "Not found", f"There is no order {order_id[:60]!r} you may see.")
        fresh = freshness.source_rows(conn=conn, now=call.now)
    h = found.header
    return OrderOut(
        order=Header.model_validate({k: v for k, v in convert.row(h).items() if k in Header.model_fields}),
        status_in_words=status_in_words(h, found.shipment_rows, found.invoice_rows, found.line_rows, tz="UTC",
                                        now=call.now),
        timeline=_from_rows(Event, found.timeline_rows), lines=_from_rows(Line, found.line_rows),
        shipments=_from_rows(Shipment, found.shipment_rows), invoices=_from_rows(Invoice, found.invoice_rows),
        payments=_from_rows(Payment, found.payment_rows),
        open_exceptions=_from_rows(ExceptionOut, found.open_exception_rows),
        sources=_from_rows(SourceFreshness, [convert.row(r) for r in order_status.source_rows(h, fresh)]),
    )
