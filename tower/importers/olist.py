"""Import the public Olist e-commerce sample as milestones (a real order log for demos/tests).

Olist gives each order's purchase, approval, hand-over to the carrier, delivery and estimated
delivery times, in Brazil's local time without a zone: they are read as America/Sao_Paulo and
stored in UTC. Mapping: purchase → placed (one line per item, qty 1, the item's price; Olist's
order_status kept as olist_status); the estimated delivery date → promised_at, a date-only
promise kept by a delivery at any time on that day in São Paulo (tower.importers.promises);
approval → atp_confirmed + released, and each payment row → paid at the approval time (Olist's
approval is the payment's approval; payment_type, installments and payment_value kept); carrier
hand-over → shipped, one shipment per seller of the order ("<order>-S-<seller>", its items,
freight = the sum of their freight_value, ship_by = their shipping_limit_date), all at the one
hand-over time Olist records; customer delivery → delivered, on each of those shipments;
status "canceled" → cancelled, stamped at the latest time Olist knows for the order because
Olist records no cancellation time (the milestone says so in its attrs). A payment of an order
never approved has no time and is counted in the summary, not written.
A time that cannot be read reaches ingest as it is and comes back as a reject with the reason.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

from tower.importers.connector import Record
from tower.importers.dates import day_end

SOURCE = "import"
DATASET = "olist"
ZONE = ZoneInfo("America/Sao_Paulo")


def _time(value: str) -> str | None:
    """Olist's local time as ISO-8601 with its zone; an unreadable value is passed on as it is,
    so that ingest rejects the milestone with the reason instead of it vanishing here."""
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZONE).isoformat()
    except ValueError:
        return value


def _items(folder: Path) -> dict[str, list[dict]]:
    items: dict[str, list[dict]] = defaultdict(list)
    with open(folder / "olist_order_items_dataset.csv", newline="") as f:
        for row in csv.DictReader(f):
            items[row["order_id"]].append(dict(
                line_no=int(row["order_item_id"]), sku=row["product_id"], qty=1,
                unit_price=float(row["price"]), list_price=float(row["price"]),
                seller_id=row["seller_id"], freight=float(row["freight_value"]),
                ship_by=_time(row["shipping_limit_date"])))
    return items


def _payments(folder: Path) -> dict[str, list[dict]]:
    payments: dict[str, list[dict]] = defaultdict(list)
    path = folder / "olist_order_payments_dataset.csv"
    if not path.is_file():
        return payments
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            payments[row["order_id"]].append(row)
    return payments


def _promise(value: str) -> str | None:
    """The estimated delivery date as the end of that day in São Paulo (it is a date: Olist
    always writes it at 00:00:00)."""
    if not value:
        return None
    try:
        day = datetime.strptime(value, "%Y-%m-%d %H:%M:%S").date()
    except ValueError:
        return value
    return day_end(day, ZONE).isoformat()


def _customers(folder: Path) -> dict[str, dict]:
    with open(folder / "olist_customers_dataset.csv", newline="") as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}


def order_milestones(order: dict, lines: list[dict], customer: dict | None,
                     payments: list[dict] | None = None) -> list[dict]:
    oid = f"OL-{order['order_id'][:12]}"
    placed_at = _time(order["order_purchase_timestamp"])
    approved = _time(order["order_approved_at"])
    handed = _time(order["order_delivered_carrier_date"])
    delivered = _time(order["order_delivered_customer_date"])
    promised = _promise(order["order_estimated_delivery_date"])
    state = (customer or {}).get("customer_state")
    ev = [dict(source=SOURCE, source_event_id=f"{oid}:placed", kind="placed", order_id=oid, occurred_at=placed_at,
               attrs=dict(customer_id=order["customer_id"][:12],
                          customer_name=f"{(customer or {}).get('customer_city', 'unknown').title()} customer {order['customer_id'][:6]}",
                          channel="web", warehouse="OLIST", region=state, currency="BRL",
                          promised_at=promised, promise_kind="date", olist_status=order["order_status"],
                          lines=[{k: v for k, v in l.items() if k not in ("seller_id", "freight", "ship_by")}
                                 for l in lines], olist_order_id=order["order_id"]))]
    if approved:
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:atp", kind="atp_confirmed", order_id=oid,
                       occurred_at=approved, attrs=dict(lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in lines])))
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:released", kind="released", order_id=oid, occurred_at=approved))
    for p in payments or []:
        if approved:
            ev.append(dict(source=SOURCE, source_event_id=f"{oid}:paid:{p['payment_sequential']}", kind="paid",
                           order_id=oid, occurred_at=approved, payment_id=f"{oid}-P{p['payment_sequential']}",
                           attrs=dict(amount=float(p["payment_value"]), method=p["payment_type"],
                                      installments=int(p["payment_installments"] or 0), currency="BRL")))
    sellers: dict[str, list[dict]] = defaultdict(list)
    for line in lines:
        sellers[line.get("seller_id") or "?"].append(line)
    for seller, mine in sorted(sellers.items()):
        shipment = f"{oid}-S-{seller[:8]}"
        if handed:
            ev.append(dict(source=SOURCE, source_event_id=f"{oid}:shipped:{seller[:8]}", kind="shipped", order_id=oid,
                           occurred_at=handed, shipment_id=shipment,
                           attrs=dict(lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in mine],
                                      promised_delivery_at=promised, seller_id=seller, currency="BRL",
                                      freight=round(sum(l.get("freight", 0.0) for l in mine), 2),
                                      ship_by=min((l["ship_by"] for l in mine if l.get("ship_by")), default=None))))
        if delivered:
            ev.append(dict(source=SOURCE, source_event_id=f"{oid}:delivered:{seller[:8]}", kind="delivered",
                           order_id=oid, occurred_at=delivered, shipment_id=shipment))
    if order["order_status"] == "canceled":
        latest = max((t for t in (placed_at, approved, handed, delivered) if t), default=placed_at)
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:cancelled", kind="cancelled", order_id=oid,
                       occurred_at=latest, attrs=dict(time_known=False, reason="cancelled in Olist")))
    return ev


def milestones(folder: Path) -> Iterator[tuple[dict, list[dict]]]:
    """Yields (olist order row, its milestones) for every order of the sample."""
    folder = Path(folder)
    items = _items(folder)
    customers = _customers(folder)
    payments = _payments(folder)
    with open(folder / "olist_orders_dataset.csv", newline="") as f:
        for order in csv.DictReader(f):
            yield order, order_milestones(order, items.get(order["order_id"], []), customers.get(order["customer_id"]),
                                          payments.get(order["order_id"], []))


def count(folder: Path) -> int:
    with open(Path(folder) / "olist_orders_dataset.csv", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def records(folder: Path) -> Iterator[Record]:
    """The connector view: one Record per Olist order."""
    folder = Path(folder)
    items, customers, payments = _items(folder), _customers(folder), _payments(folder)
    with open(folder / "olist_orders_dataset.csv", newline="") as f:
        for order in csv.DictReader(f):
            paid = payments.get(order["order_id"], [])
            events = order_milestones(order, items.get(order["order_id"], []),
                                      customers.get(order["customer_id"]), paid)
            notes = {"payment of an order never approved (no time) not written": len(paid)} \
                if paid and not order["order_approved_at"] else {}
            if not items.get(order["order_id"]):
                notes["order without items in the file"] = 1
            yield Record(f"OL-{order['order_id'][:12]}", order, events, notes=notes)
