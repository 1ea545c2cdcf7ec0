"""Realistic orders for web tests, written through the real `tower.store.ingest`.

`build(n, now=...)` returns the milestones of `n` orders spread over the order-to-cash flow
(placed only, credit hold, released, picked, in transit, delayed, delivered, invoiced, paid,
partly shipped, cancelled) with ERP / WMS / carrier / finance sources, customer POs, tracking
and invoice numbers; `seed(engine, n, now=...)` ingests them and returns what was made, so
tests can look things up by the keys a customer would quote.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from tower.store.ingest import ingest
from tower.store.milestone import Milestone, Ref

CUSTOMERS = [
    ("C-1001", "Acme Industrial Supply", "gold"),
    ("C-1002", "Bluebonnet Hardware", "silver"),
    ("C-1003", "Cedar Ridge Plumbing", "bronze"),
    ("C-1004", "Delta Electrical Wholesale", "gold"),
    ("C-1005", "Evergreen Facilities Group", "silver"),
    ("C-1006", "Frontier Tool & Fastener", "bronze"),
    ("C-1007", "Granite State HVAC", "silver"),
    ("C-1008", "Harbor Marine Parts", "bronze"),
]
WAREHOUSES = [("DAL-1", "South"), ("ATL-1", "East"), ("RNO-1", "West")]
CARRIERS = ["UPS", "FedEx", "XPO"]
SKUS = [("VLV-100", "Brass ball valve 1in"), ("PIP-220", "PEX pipe 1/2in 100ft"),
        ("FLT-310", "HVAC filter 20x25x1"), ("BRK-040", "Breaker 20A single pole"),
        ("FST-550", "Hex bolt M10 box of 100"), ("GLV-010", "Nitrile gloves L case")]
# The furthest point each order of the cycle reaches, so every stage is represented.
# Hours since the order was placed, by how far it got (some on track, some late).
AGE_HOURS = {"placed": 1, "credit_hold": 14, "released": 30, "picked": 9, "in_transit": 40, "delayed": 60,
             "delivered": 110, "invoiced": 120, "paid": 200, "partial": 36, "cancelled": 10}
PLAN = ["placed", "credit_hold", "released", "picked", "in_transit", "delayed", "delivered",
        "invoiced", "paid", "partial", "cancelled", "in_transit"]


@dataclass
class SeededOrder:
    order_id: str
    customer_po: str
    customer_name: str
    warehouse: str
    region: str
    reached: str
    tracking_no: str | None = None
    invoice_no: str | None = None


@dataclass
class Seeded:
    orders: list[SeededOrder] = field(default_factory=list)

    def by_reached(self, reached: str) -> list[SeededOrder]:
        return [o for o in self.orders if o.reached == reached]

    def get(self, order_id: str) -> SeededOrder:
        return next(o for o in self.orders if o.order_id == order_id)


def _order(i: int, reached: str, now: datetime, rng: random.Random) -> tuple[SeededOrder, list[Milestone]]:
    cust_id, cust_name, tier = CUSTOMERS[i % len(CUSTOMERS)]
    warehouse, region = WAREHOUSES[i % len(WAREHOUSES)]
    order_id = f"SO-{100001 + i}"
    po = f"PO-{4500 + i * 7}-{'ABCDEFGH'[i % 8]}"
    placed = now - timedelta(hours=AGE_HOURS[reached] + rng.randint(0, 3), minutes=i)
    lines = [{"line_no": n + 1, "sku": SKUS[(i + n) % len(SKUS)][0],
              "description": SKUS[(i + n) % len(SKUS)][1], "qty": 2 + (i + n) % 9,
              "unit_price": round(12.5 + 7.25 * ((i + n) % 5), 2),
              "list_price": round(12.5 + 7.25 * ((i + n) % 5), 2) + (5.0 if (i + n) % 7 == 0 else 0.0)}
             for n in range(1 + i % 3)]
    seeded = SeededOrder(order_id, po, cust_name, warehouse, region, reached)
    ms: list[Milestone] = []

    def add(source: str, kind: str, at: datetime, **kw) -> None:
        ms.append(Milestone(source=source, source_event_id=f"{source}-{order_id}-{kind}-{len(ms)}",
                            kind=kind, occurred_at=at, order_id=kw.pop("order_id", order_id), **kw))

    add("erp", "placed", placed, attrs={
        "customer_id": cust_id, "customer_name": cust_name, "customer_tier": tier,
        "customer_po": po, "channel": ["edi", "web", "phone"][i % 3], "warehouse": warehouse,
        "region": region, "currency": "USD", "requested_at": (placed + timedelta(days=4)).isoformat(),
        "promised_at": (placed + timedelta(days=5)).isoformat(), "lines": lines})
    if reached == "placed":
        return seeded, ms
    if reached == "credit_hold":
        add("erp", "credit_hold", placed + timedelta(minutes=20), attrs={"reason": "over limit", "amount": 5000})
        return seeded, ms
    if reached == "cancelled":
        add("erp", "cancelled", placed + timedelta(hours=3), attrs={"reason": "customer request"})
        return seeded, ms
    add("erp", "atp_confirmed", placed + timedelta(minutes=30),
        attrs={"lines": [{"line_no": ln["line_no"], "qty": ln["qty"]} for ln in lines]})
    add("erp", "released", placed + timedelta(hours=1), attrs={"warehouse": warehouse})
    if reached == "released":
        return seeded, ms
    shipped_lines = lines if reached != "partial" else lines[:1]
    pick_lines = [{"line_no": ln["line_no"], "qty": ln["qty"]} for ln in lines]
    add("wms", "pick_started", placed + timedelta(hours=5), attrs={"lines": pick_lines, "task_id": f"T{i}"})
    add("wms", "picked", placed + timedelta(hours=7), attrs={"lines": pick_lines, "task_id": f"T{i}"})
    if reached == "picked":
        return seeded, ms
    shipment = f"SH-{order_id}-1"
    tracking = f"1Z{rng.randint(10**13, 10**14 - 1)}{i % 10}"
    seeded.tracking_no = tracking
    ship_qty = [{"line_no": ln["line_no"], "qty": ln["qty"]} for ln in shipped_lines]
    ship_at = placed + timedelta(hours=26)
    add("wms", "packed", placed + timedelta(hours=9), shipment_id=shipment, attrs={"lines": ship_qty})
    add("wms", "shipped", ship_at, shipment_id=shipment, attrs={
        "carrier": CARRIERS[i % 3], "tracking_no": tracking, "lines": ship_qty,
        "promised_delivery_at": (placed + timedelta(days=4)).isoformat()})
    scan = lambda kind, at, **attrs: ms.append(Milestone(  # noqa: E731 - a carrier scan knows only the tracking no
        source="carrier", source_event_id=f"carrier-{tracking}-{kind}", kind=kind, occurred_at=at,
        ref=Ref("carrier", "tracking_no", tracking), attrs=attrs))
    scan("carrier_pickup", ship_at + timedelta(hours=2), location="Dallas, TX")
    scan("in_transit", ship_at + timedelta(hours=14), location="Memphis, TN")
    if reached in ("in_transit", "partial"):
        return seeded, ms
    if reached == "delayed":
        scan("delayed", ship_at + timedelta(hours=30), location="Memphis, TN",
             estimated_delivery_at=(placed + timedelta(days=7)).isoformat())
        return seeded, ms
    delivered_at = ship_at + timedelta(days=2)
    scan("out_for_delivery", delivered_at - timedelta(hours=5), location="Local hub")
    scan("delivered", delivered_at, location="Customer dock")
    if reached == "delivered":
        return seeded, ms
    invoice = f"INV-{700001 + i}"
    seeded.invoice_no = invoice
    amount = round(sum(ln["qty"] * ln["unit_price"] for ln in lines), 2)
    add("finance", "invoiced", delivered_at + timedelta(hours=6), invoice_id=invoice, attrs={
        "invoice_no": invoice, "amount": amount, "currency": "USD", "shipment_id": shipment,
        "due_at": (delivered_at + timedelta(days=30)).isoformat(),
        "lines": [{"line_no": ln["line_no"], "qty": ln["qty"], "unit_price": ln["unit_price"]} for ln in lines]})
    if reached == "invoiced":
        return seeded, ms
    add("finance", "paid", delivered_at + timedelta(days=2), invoice_id=invoice,
        payment_id=f"PAY-{i}", attrs={"amount": amount, "method": "ach"})
    return seeded, ms


def build(n: int, *, now: datetime, seed: int = 11) -> tuple[Seeded, list[Milestone]]:
    rng = random.Random(seed)
    seeded = Seeded()
    milestones: list[Milestone] = []
    for i in range(n):
        order, ms = _order(i, PLAN[i % len(PLAN)], now, rng)
        seeded.orders.append(order)
        milestones.extend(ms)
    return seeded, milestones


def seed(engine, n: int = 36, *, now: datetime, seed: int = 11) -> Seeded:
    """Ingest `n` orders in one transaction; raises if the store rejects any milestone."""
    seeded, milestones = build(n, now=now, seed=seed)
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=milestones)
    if result.rejected:
        raise AssertionError(f"factory milestones rejected: {result.rejected[:3]}")
    return seeded
