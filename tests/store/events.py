"""Realistic milestone streams for store tests: one order's life across the four systems."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tower.store import Ref

T0 = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)


def at(hours: float) -> str:
    return (T0 + timedelta(hours=hours)).isoformat()


def order_life(order_id: str = "SO-1001", *, partial: bool = True, with_return: bool = True) -> list[dict]:
    """An order of two lines: line 1 ships first (partial shipment), line 2 later; invoices per
    shipment, payments, and a return of 2 units of line 1 that is credited."""
    ship1, ship2 = f"{order_id}-S1", f"{order_id}-S2"
    ev = [
        dict(source="erp", source_event_id=f"{order_id}:placed", kind="placed", order_id=order_id,
             occurred_at=at(0), attrs=dict(
                 customer_id="C-17", customer_name="Lone Star Grocers", customer_tier="gold",
                 customer_po="PO-4471", channel="edi", warehouse="DAL-1", region="South",
                 currency="USD", promised_at=at(72),
                 lines=[dict(line_no=1, sku="SKU-100", qty=10, unit_price=4.5, list_price=4.5),
                        dict(line_no=2, sku="SKU-200", qty=6, unit_price=12, list_price=12)])),
        dict(source="erp", source_event_id=f"{order_id}:atp1", kind="atp_short", order_id=order_id,
             occurred_at=at(0.2), attrs=dict(lines=[dict(line_no=1, qty=10), dict(line_no=2, qty=0, qty_short=6)])),
        dict(source="erp", source_event_id=f"{order_id}:rel", kind="released", order_id=order_id, occurred_at=at(0.5)),
        dict(source="wms", source_event_id=f"{order_id}:pick1", kind="picked", order_id=order_id,
             occurred_at=at(2), line_no=1, attrs=dict(qty=10)),
        dict(source="wms", source_event_id=f"{order_id}:pack1", kind="packed", order_id=order_id,
             occurred_at=at(3), shipment_id=ship1, attrs=dict(lines=[dict(line_no=1, qty=10)])),
        dict(source="wms", source_event_id=f"{order_id}:ship1", kind="shipped", order_id=order_id,
             occurred_at=at(4), shipment_id=ship1,
             attrs=dict(carrier="UPS", tracking_no=f"1Z{order_id}A", lines=[dict(line_no=1, qty=10)],
                        promised_delivery_at=at(48))),
        dict(source="carrier", source_event_id=f"{order_id}:scan1", kind="carrier_pickup",
             ref=Ref("carrier", "tracking_no", f"1Z{order_id}A"), occurred_at=at(5)),
        dict(source="carrier", source_event_id=f"{order_id}:scan2", kind="delivered",
             ref=Ref("carrier", "tracking_no", f"1Z{order_id}A"), occurred_at=at(30)),
        dict(source="finance", source_event_id=f"{order_id}:inv1", kind="invoiced", order_id=order_id,
             occurred_at=at(6), invoice_id=f"INV-{order_id}-1",
             attrs=dict(invoice_no=f"INV-{order_id}-1", amount=45, currency="USD", due_at=at(6 + 24 * 30),
                        shipment_id=ship1, lines=[dict(line_no=1, qty=10, unit_price=4.5)])),
        dict(source="finance", source_event_id=f"{order_id}:pay1", kind="paid",
             ref=Ref("finance", "invoice_no", f"INV-{order_id}-1"), occurred_at=at(200),
             payment_id=f"PAY-{order_id}-1", attrs=dict(amount=45, method="ach")),
    ]
    if not partial:
        ev += [
            dict(source="erp", source_event_id=f"{order_id}:atp2", kind="atp_confirmed", order_id=order_id,
                 occurred_at=at(20), attrs=dict(lines=[dict(line_no=2, qty=6)])),
            dict(source="wms", source_event_id=f"{order_id}:pick2", kind="picked", order_id=order_id,
                 occurred_at=at(22), line_no=2, attrs=dict(qty=6)),
            dict(source="wms", source_event_id=f"{order_id}:pack2", kind="packed", order_id=order_id,
                 occurred_at=at(23), shipment_id=ship2, attrs=dict(lines=[dict(line_no=2, qty=6)])),
            dict(source="wms", source_event_id=f"{order_id}:ship2", kind="shipped", order_id=order_id,
                 occurred_at=at(24), shipment_id=ship2,
                 attrs=dict(carrier="FedEx", tracking_no=f"FX{order_id}B", lines=[dict(line_no=2, qty=6)])),
            dict(source="carrier", source_event_id=f"{order_id}:scan3", kind="delivered",
                 ref=Ref("carrier", "tracking_no", f"FX{order_id}B"), occurred_at=at(50)),
            dict(source="finance", source_event_id=f"{order_id}:inv2", kind="invoiced", order_id=order_id,
                 occurred_at=at(25), invoice_id=f"INV-{order_id}-2",
                 attrs=dict(invoice_no=f"INV-{order_id}-2", amount=72, currency="USD", shipment_id=ship2,
                            lines=[dict(line_no=2, qty=6, unit_price=12)])),
            dict(source="finance", source_event_id=f"{order_id}:pay2", kind="paid",
                 ref=Ref("finance", "invoice_no", f"INV-{order_id}-2"), occurred_at=at(300),
                 payment_id=f"PAY-{order_id}-2", attrs=dict(amount=72, method="ach")),
        ]
    if with_return:
        ev += [
            dict(source="erp", source_event_id=f"{order_id}:rr", kind="return_requested", order_id=order_id,
                 occurred_at=at(60), return_id=f"RMA-{order_id}",
                 attrs=dict(reason="damaged", lines=[dict(line_no=1, qty=2)])),
            dict(source="wms", source_event_id=f"{order_id}:rrcv", kind="return_received", order_id=order_id,
                 occurred_at=at(80), return_id=f"RMA-{order_id}", attrs=dict(lines=[dict(line_no=1, qty=2)])),
            dict(source="finance", source_event_id=f"{order_id}:cn", kind="credited", order_id=order_id,
                 occurred_at=at(90), return_id=f"RMA-{order_id}", attrs=dict(amount=9, lines=[dict(line_no=1, qty=2)])),
        ]
    return ev
