"""Import the public Olist e-commerce sample as milestones (a real order log for demos/tests).

Olist gives each order's purchase, approval, hand-over to the carrier, delivery and estimated
delivery times, in Brazil's local time without a zone: they are read as America/Sao_Paulo and
stored in UTC. Mapping: purchase → placed (one line per item, qty 1, the item's price);
approval → atp_confirmed + released; carrier hand-over → shipped (one shipment); customer
delivery → delivered; status "canceled" → cancelled, stamped at the latest time Olist knows for
the order because Olist records no cancellation time (the milestone says so in its attrs).
A time that cannot be read reaches ingest as it is and comes back as a reject with the reason.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Iterator
from zoneinfo import ZoneInfo

SOURCE = "import"
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
                unit_price=float(row["price"]), list_price=float(row["price"])))
    return items


def _customers(folder: Path) -> dict[str, dict]:
    with open(folder / "olist_customers_dataset.csv", newline="") as f:
        return {r["customer_id"]: r for r in csv.DictReader(f)}


def order_milestones(order: dict, lines: list[dict], customer: dict | None) -> list[dict]:
    oid = f"OL-{order['order_id'][:12]}"
    placed_at = _time(order["order_purchase_timestamp"])
    approved = _time(order["order_approved_at"])
    handed = _time(order["order_delivered_carrier_date"])
    delivered = _time(order["order_delivered_customer_date"])
    promised = _time(order["order_estimated_delivery_date"])
    state = (customer or {}).get("customer_state")
    ev = [dict(source=SOURCE, source_event_id=f"{oid}:placed", kind="placed", order_id=oid, occurred_at=placed_at,
               attrs=dict(customer_id=order["customer_id"][:12],
                          customer_name=f"{(customer or {}).get('customer_city', 'unknown').title()} customer {order['customer_id'][:6]}",
                          channel="web", warehouse="OLIST", region=state, currency="BRL",
                          promised_at=promised, lines=lines, olist_order_id=order["order_id"]))]
    if approved:
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:atp", kind="atp_confirmed", order_id=oid,
                       occurred_at=approved, attrs=dict(lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in lines])))
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:released", kind="released", order_id=oid, occurred_at=approved))
    shipment = f"{oid}-S1"
    if handed:
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:shipped", kind="shipped", order_id=oid, occurred_at=handed,
                       shipment_id=shipment, attrs=dict(lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in lines],
                                                        promised_delivery_at=promised)))
    if delivered:
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:delivered", kind="delivered", order_id=oid,
                       occurred_at=delivered, shipment_id=shipment))
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
    with open(folder / "olist_orders_dataset.csv", newline="") as f:
        for order in csv.DictReader(f):
            yield order, order_milestones(order, items.get(order["order_id"], []), customers.get(order["customer_id"]))
