"""Import the Northwind sample ERP (SQLite) as milestones.

Mapping (one order per Orders row, id "NW-<OrderID>"):
    OrderDate     -> placed (the day's start; Northwind keeps dates only), with the lines of
                     "Order Details": sku = ProductID, qty = Quantity, list_price = UnitPrice,
                     unit_price = UnitPrice * (1 - Discount) (so order value = net sales),
                     discount kept; customer = CustomerID, region = ShipRegion, country kept
    RequiredDate  -> promised_at: a date-only promise, kept by anything on that day
                     (tower.importers.promises; Northwind names no zone, so UTC)
    ShippedDate   -> shipped: one shipment "NW-<OrderID>-S1" carrying every line in full (a
                     Northwind order ships once and whole), carrier = the shipper's
                     CompanyName, freight = Freight
Northwind records no delivery, invoice or payment, so none is written: a shipped order stays
"shipped", an unshipped one "entered". Orders without a ShippedDate are open.
"""

from __future__ import annotations

import sqlite3
from collections import defaultdict
from pathlib import Path
from typing import Iterator

from tower.importers import promises
from tower.importers.connector import SOURCE, Record
from tower.importers.dates import UnreadableDate, day_end, day_start, parse_date

DATASET = "northwind"
FORMATS = ("%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    return conn


def count(path: Path) -> int:
    with _connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM Orders").fetchone()[0])


def records(path: Path) -> Iterator[Record]:
    zone = promises.zone(DATASET)
    with _connect(path) as conn:
        shippers = {r["ShipperID"]: r["CompanyName"] for r in conn.execute("SELECT * FROM Shippers")}
        lines: dict[int, list[dict]] = defaultdict(list)
        for r in conn.execute('SELECT * FROM "Order Details" ORDER BY OrderID, ProductID'):
            lines[r["OrderID"]].append(dict(
                line_no=len(lines[r["OrderID"]]) + 1, sku=str(r["ProductID"]), qty=r["Quantity"],
                list_price=r["UnitPrice"], discount=r["Discount"],
                unit_price=round(r["UnitPrice"] * (1 - r["Discount"]), 6)))
        for row in conn.execute("SELECT * FROM Orders ORDER BY OrderID"):
            order = dict(row)
            yield _record(order, lines.get(order["OrderID"], []), shippers, zone)


def _record(order: dict, lines: list[dict], shippers: dict, zone) -> Record:
    oid = f"NW-{order['OrderID']}"
    try:
        placed = parse_date(order["OrderDate"], FORMATS, what="OrderDate")
        required = parse_date(order["RequiredDate"], FORMATS, what="RequiredDate")
        shipped = parse_date(order["ShippedDate"] or "", FORMATS, what="ShippedDate")
    except UnreadableDate as exc:
        return Record(oid, order, reason=str(exc))
    if placed is None:
        return Record(oid, order, reason="OrderDate is missing")
    promised = day_end(required, zone).isoformat() if required else None
    ev = [dict(source=SOURCE, source_event_id=f"{oid}:placed", kind="placed", order_id=oid,
               occurred_at=day_start(placed, zone).isoformat(),
               attrs=dict(customer_id=order["CustomerID"], customer_name=order["ShipName"],
                          channel="erp", warehouse="NORTHWIND", region=order["ShipRegion"],
                          country=order["ShipCountry"], currency="USD", requested_at=promised,
                          promised_at=promised, promise_kind="date", time_precision="day",
                          lines=lines, northwind_order_id=order["OrderID"]))]
    if shipped:
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:shipped", kind="shipped", order_id=oid,
                       occurred_at=day_start(shipped, zone).isoformat(), shipment_id=f"{oid}-S1",
                       attrs=dict(carrier=shippers.get(order["ShipVia"], str(order["ShipVia"])),
                                  freight=order["Freight"], currency="USD", time_precision="day",
                                  promised_delivery_at=promised,
                                  lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in lines])))
    return Record(oid, order, ev)
