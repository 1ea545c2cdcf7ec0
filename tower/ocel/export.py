"""The store (or a period of it) as OCEL 2.0 events and objects, streamed.

Events: one per milestone, typed by its kind (placed, shipped, ...), with the milestone's
attributes (a list or object attribute, such as `lines`, as JSON text named in
`tower:json`) and `tower:source` / `tower:source_event_id` / `tower:line_no`, so that the log
reads back into the same milestones. Event-to-object relations are qualified by the object's
role: order, line, shipment, invoice, payment, return, customer, warehouse.

Objects: each order's milestones give its order, lines ("<order>#<line_no>"), shipments,
invoices, payments and returns, with time-stamped attribute changes (an order's status and
promise, a line's quantity and price, a shipment's status at every scan, ...) and qualified
object-to-object relations (line part of order, shipment ships order and carries lines,
invoice bills order, payment settles invoice, order placed by customer and fulfilled from
warehouse). Customers ("customer:<id>") and warehouses ("warehouse:<name>") come last.

Both passes read milestones through a server-side cursor, so only one order's milestones are
in memory at a time.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy.engine import Connection

from tower.milestones import KINDS, LINE_KINDS
from tower.ocel import writers
from tower.ocel.model import Event, Object, parse_time
from tower.sqlfiles import load
from tower.store.milestone import TIME_ATTRS

_Q = load(__file__, "export.sql")
OBJECT_FIELDS = (("shipment_id", "shipment"), ("invoice_id", "invoice"), ("payment_id", "payment"),
                 ("return_id", "return"))
ORDER_ATTRS = ("channel", "region", "currency", "customer_po", "promised_at", "requested_at")
LINE_ATTRS = ("sku", "description", "qty", "unit_price", "list_price")


def line_id(order_id: str, line_no: int) -> str:
    return f"{order_id}#{line_no}"


def _stream(conn: Connection, name: str, start, end) -> Iterator[Any]:
    result = conn.execution_options(stream_results=True, yield_per=2000).execute(
        _Q[name], {"start": start, "end": end})
    yield from result.mappings()


def _line_nos(m: Any) -> list[int]:
    lines = (m["attrs"] or {}).get("lines")
    if m["kind"] in LINE_KINDS and isinstance(lines, list):
        return [l["line_no"] for l in lines if isinstance(l, dict) and isinstance(l.get("line_no"), int)]
    return [m["line_no"]] if m["line_no"] is not None else []


def to_event(m: Any) -> Event:
    attrs = m["attrs"] or {}
    out: dict[str, Any] = {"tower:source": m["source"], "tower:source_event_id": m["source_event_id"]}
    if m["line_no"] is not None:
        out["tower:line_no"] = m["line_no"]
    as_json = []
    for key in sorted(attrs):
        value = attrs[key]
        if value is None:
            continue
        if key in TIME_ATTRS and isinstance(value, str):
            value = parse_time(value)
        elif isinstance(value, (list, dict)):
            as_json.append(key)
        out[key] = value
    if as_json:
        out["tower:json"] = ",".join(as_json)
    rel = [(m["order_id"], "order")]
    rel += [(line_id(m["order_id"], n), "line") for n in _line_nos(m)]
    rel += [(m[f], q) for f, q in OBJECT_FIELDS if m[f]]
    if m["kind"] in ("placed", "amended") and attrs.get("customer_id"):
        rel.append((f"customer:{attrs['customer_id']}", "customer"))
    if attrs.get("warehouse"):
        rel.append((f"warehouse:{attrs['warehouse']}", "warehouse"))
    return Event(id=f"{m['source']}:{m['source_event_id']}", type=m["kind"], time=m["occurred_at"],
                 attributes=out, relationships=list(dict.fromkeys(rel)))


def events(*, conn: Connection, start: datetime | None = None, end: datetime | None = None) -> Iterator[Event]:
    for m in _stream(conn, "events", start, end):
        yield to_event(m)


class _Builder:
    """The objects of one order, from its milestones in time order."""

    def __init__(self, order_id: str):
        self.order_id = order_id
        self.objects: dict[str, Object] = {}
        self.last: dict[tuple[str, str], Any] = {}
        self.order = self._get(order_id, "order")

    def _get(self, oid: str, otype: str) -> Object:
        if oid not in self.objects:
            self.objects[oid] = Object(id=oid, type=otype)
        return self.objects[oid]

    def set(self, obj: Object, name: str, when: datetime, value: Any) -> None:
        if value is None or self.last.get((obj.id, name)) == value:
            return
        self.last[(obj.id, name)] = value
        obj.changes.append((name, when, value))

    def relate(self, obj: Object, target: str, qualifier: str) -> None:
        if (target, qualifier) not in obj.relationships:
            obj.relationships.append((target, qualifier))

    def add(self, m: Any) -> None:
        attrs, when, kind = m["attrs"] or {}, m["occurred_at"], m["kind"]
        if kind in ("placed", "amended"):
            self.set(self.order, "status", when, self.last.get((self.order.id, "status")) or "open")
            for key in ORDER_ATTRS:
                value = attrs.get(key)
                self.set(self.order, key, when, parse_time(value) if key in TIME_ATTRS and isinstance(value, str) else value)
            if attrs.get("customer_id"):
                self.relate(self.order, f"customer:{attrs['customer_id']}", "placed by")
            if attrs.get("warehouse"):
                self.relate(self.order, f"warehouse:{attrs['warehouse']}", "fulfilled from")
            for line in attrs.get("lines") or []:
                if isinstance(line, dict) and isinstance(line.get("line_no"), int):
                    obj = self._line(line["line_no"])
                    for key in LINE_ATTRS:
                        self.set(obj, key, when, line.get(key))
        elif kind == "cancelled":
            self.set(self.order, "status", when, "cancelled")
        for n in _line_nos(m):
            self._line(n)
        if m["shipment_id"]:
            ship = self._get(m["shipment_id"], "shipment")
            if KINDS[kind].object_type == "shipment":  # an invoice naming its shipment is no scan
                self.set(ship, "status", when, kind)
            self.relate(ship, self.order_id, "ships")
            if kind == "shipped":
                for key in ("carrier", "tracking_no"):
                    self.set(ship, key, when, attrs.get(key))
                for n in _line_nos(m):
                    self.relate(ship, line_id(self.order_id, n), "carries")
        if m["invoice_id"]:
            inv = self._get(m["invoice_id"], "invoice")
        if m["invoice_id"] and kind == "invoiced":
            for key in ("invoice_no", "amount", "currency"):
                self.set(inv, key, when, attrs.get(key))
            self.relate(inv, self.order_id, "bills")
            if m["shipment_id"]:
                self.relate(inv, m["shipment_id"], "for shipment")
        if m["payment_id"]:
            pay = self._get(m["payment_id"], "payment")
            for key in ("amount", "method"):
                self.set(pay, key, when, attrs.get(key))
            self.relate(pay, self.order_id, "pays")
            if m["invoice_id"]:
                self.relate(pay, m["invoice_id"], "settles")
        if m["return_id"]:
            ret = self._get(m["return_id"], "return")
            self.set(ret, "status", when, kind)
            self.relate(ret, self.order_id, "returns")

    def _line(self, n: int) -> Object:
        obj = self._get(line_id(self.order_id, n), "line")
        self.relate(obj, self.order_id, "part of")
        return obj


def objects(*, conn: Connection, start: datetime | None = None, end: datetime | None = None) -> Iterator[Object]:
    builder: _Builder | None = None
    for m in _stream(conn, "by_order", start, end):
        if builder is None or builder.order_id != m["order_id"]:
            if builder is not None:
                yield from builder.objects.values()
            builder = _Builder(m["order_id"])
        builder.add(m)
    if builder is not None:
        yield from builder.objects.values()
    current: Object | None = None
    last: dict[str, Any] = {}
    for row in _stream(conn, "customers", start, end):
        if current is None or current.id != f"customer:{row['id']}":
            if current is not None:
                yield current
            current, last = Object(id=f"customer:{row['id']}", type="customer"), {}
        for key in ("name", "tier"):
            if row[key] is not None and last.get(key) != row[key]:
                last[key] = row[key]
                current.changes.append((key, row["occurred_at"], row[key]))
    if current is not None:
        yield current
    for row in _stream(conn, "warehouses", start, end):
        yield Object(id=f"warehouse:{row['id']}", type="warehouse")




def write_log(*, conn: Connection, path: Path, fmt: str, start: datetime | None = None,
              end: datetime | None = None) -> dict[str, int]:
    """Write the store's milestones in [start, end) as an OCEL 2.0 log in `fmt`
    (writers.FORMATS); returns the counts (events, objects, e2o, o2o, changes)."""
    return writers.write(path, fmt, events(conn=conn, start=start, end=end), objects(conn=conn, start=start, end=end))
