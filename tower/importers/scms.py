"""Import the USAID SCMS delivery history (one row per shipment line) as milestones.

Mapping (one order per row, id "SCMS-<ID>", one line):
    PO Sent to Vendor Date -> placed. When the file has no order date ("N/A - From RDC": the
                              line came from a regional distribution centre without a PO, or
                              "Date Not Captured"), placed is stamped at the earliest date the
                              row does record, and its attrs say so (time_known false,
                              time_basis): tower's duration KPIs skip such orders.
    Scheduled Delivery Date -> promised_at, a date-only promise kept by anything on that day
    Delivered to Client Date -> delivered, on shipment "SCMS-<ID>-S1" (the row's own; the
                              ASN/DN number is kept as an attribute). SCMS records no ship date, so the
                              shipped milestone that carries the line's quantity is stamped at
                              the delivery instant with time_known false.
    Line Item Quantity / Line Item Value -> the line (unit_price = value / quantity)
    Shipment Mode -> channel, Country -> region, Vendor / Managed By / Fulfill Via -> attrs,
    Freight Cost (USD) -> shipped.freight when it is a number (else freight_note keeps the text,
    e.g. "Freight Included in Commodity Cost" or "See ASN-93 (ID#:1281)")
Date columns mix `%d-%b-%y`, `M/D/YY` and ISO; each column's formats are listed below and a
value matching none is rejected with the reason (dead letter), never guessed.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Iterator

from tower.importers import promises
from tower.importers.connector import SOURCE, Record
from tower.importers.dates import UnreadableDate, day_end, day_start, parse_date

DATASET = "scms"
FORMATS = ("%d-%b-%y", "%m/%d/%y", "%Y-%m-%d")
NOT_CAPTURED = ("Date Not Captured", "N/A - From RDC", "Pre-PQ Process")


def count(path: Path) -> int:
    with open(path, newline="", encoding="utf-8-sig") as f:
        return sum(1 for _ in csv.DictReader(f))


def records(path: Path) -> Iterator[Record]:
    zone = promises.zone(DATASET)
    with open(path, newline="", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            yield _record(row, zone)


def _number(text: str) -> float | None:
    try:
        return float(text.replace(",", ""))
    except (ValueError, AttributeError):
        return None


def _record(row: dict, zone) -> Record:
    oid = f"SCMS-{row['ID']}"
    try:
        dates = {c: parse_date(row[c], FORMATS, what=c, not_captured=NOT_CAPTURED) for c in (
            "PQ First Sent to Client Date", "PO Sent to Vendor Date", "Scheduled Delivery Date",
            "Delivered to Client Date", "Delivery Recorded Date")}
    except UnreadableDate as exc:
        return Record(oid, row, reason=str(exc))
    scheduled, delivered = dates["Scheduled Delivery Date"], dates["Delivered to Client Date"]
    if scheduled is None or delivered is None:
        return Record(oid, row, reason="Scheduled or Delivered to Client Date is missing")
    qty, value = _number(row["Line Item Quantity"]), _number(row["Line Item Value"])
    if qty is None or value is None:
        return Record(oid, row, reason=f"Line Item Quantity/Value is not a number: "
                                       f"{row['Line Item Quantity']!r} / {row['Line Item Value']!r}")
    recorded = dates["PO Sent to Vendor Date"]
    known = recorded is not None
    placed: date = recorded if recorded is not None else min(d for d in dates.values() if d is not None)
    promised = day_end(scheduled, zone).isoformat()
    line = dict(line_no=1, sku=row["Molecule/Test Type"] or row["Item Description"][:60],
                description=row["Item Description"], qty=qty,
                unit_price=(value / qty) if qty else 0.0, list_price=_number(row["Pack Price"]),
                unit_of_measure=row["Unit of Measure (Per Pack)"])
    placed_attrs = dict(customer_id=row["Country"], customer_name=row["Country"], channel=row["Shipment Mode"],
                        warehouse="SCMS", region=row["Country"], currency="USD", promised_at=promised,
                        promise_kind="date", time_precision="day", vendor=row["Vendor"],
                        managed_by=row["Managed By"], fulfill_via=row["Fulfill Via"],
                        project_code=row["Project Code"], po_so=row["PO / SO #"],
                        product_group=row["Product Group"], line_item_value=value, lines=[line])
    if not known:
        placed_attrs.update(time_known=False, time_basis="earliest date the row records; PO Sent to Vendor Date is "
                                                        f"{row['PO Sent to Vendor Date']!r}")
    shipment = f"{oid}-S1"
    freight = _number(row["Freight Cost (USD)"])
    ship_attrs = dict(carrier=row["Shipment Mode"], asn_dn=row["ASN/DN #"], lines=[dict(line_no=1, qty=qty)], promised_delivery_at=promised,
                      time_known=False, time_basis="SCMS records only the delivery", currency="USD",
                      weight_kg=_number(row["Weight (Kilograms)"]))
    if freight is not None:
        ship_attrs["freight"] = freight
    elif row["Freight Cost (USD)"]:
        ship_attrs["freight_note"] = row["Freight Cost (USD)"]
    delivered_at = day_start(delivered, zone).isoformat()
    ev = [dict(source=SOURCE, source_event_id=f"{oid}:placed", kind="placed", order_id=oid,
               occurred_at=day_start(placed, zone).isoformat(), attrs=placed_attrs),
          dict(source=SOURCE, source_event_id=f"{oid}:shipped", kind="shipped", order_id=oid,
               occurred_at=delivered_at, shipment_id=shipment, attrs=ship_attrs),
          dict(source=SOURCE, source_event_id=f"{oid}:delivered", kind="delivered", order_id=oid,
               occurred_at=delivered_at, shipment_id=shipment,
               attrs=dict(recorded_at=str(dates["Delivery Recorded Date"]), time_precision="day"))]
    return Record(oid, row, ev)
