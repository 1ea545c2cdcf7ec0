"""A small, hand-checkable set of orders for the KPI tests, written through tower.store.ingest.

Times are hours after T0 (Monday 2 November 2026, 00:00 UTC). The expected KPI values are
worked out by hand in tests/kpis/test_kpis_match_hand_computed_values.py from the table below.

    order  wh     region channel cust  lines (qty @ price)     story
    A      DAL-1  South  edi     C-1   L1 10@5, L2 4@10        placed 0, confirmed 1, released 3,
                                                               picked 5, packed 6, shipped 8 (all),
                                                               invoiced 10 (90, exact), delivered 40,
                                                               paid 490; promised 48
    B      DAL-1  South  web     C-2   L1 10@2, L2 10@3        placed 0, short 2 (L2 4 of 10),
                                                               confirmed 20, released 21, S1 at 25
                                                               (L1 10, L2 4), S2 at 45 (L2 6),
                                                               invoiced 46 (50, exact), delivered
                                                               S1 50, S2 80; promised 72; unpaid
    C      ATL-1  East   edi     C-1   L1 5@10                 placed 0, confirmed 2, released 4,
                                                               picked 6, packed 7, shipped 9,
                                                               invoiced 12 (50), delivery failed 30,
                                                               delivered 60, paid 252; promised 72
    D      ATL-1  East   web     C-3   L1 8@5                  placed 0, confirmed 1, released 2;
                                                               promised 24; still waiting for pick
    E      DAL-1  South  edi     C-2   L1 1@1                  placed 0, cancelled 5
    F      DAL-1  South  edi     C-1   L1 2@50                 placed 10, confirmed 11, released 12,
                                                               picked 14, packed 15, shipped 16,
                                                               invoiced 20 at 55 each (110: wrong
                                                               price), delivered 30; promised 36
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tower.store import Ref
from tower.store.ingest import ingest

T0 = datetime(2026, 11, 2, 0, 0, tzinfo=timezone.utc)
NOW = T0 + timedelta(hours=500)


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


class _Order:
    def __init__(self, oid: str, *, wh: str, region: str, channel: str, cust: str,
                 lines: list[tuple[int, float, float]], promised: float | None, placed: float = 0):
        self.oid, self.events, self.n = oid, [], 0
        self.add("erp", "placed", placed, attrs=dict(
            customer_id=cust, customer_name=f"Customer {cust}", customer_tier="gold",
            customer_po=f"PO-{oid}", channel=channel, warehouse=wh, region=region, currency="USD",
            promised_at=at(promised).isoformat() if promised is not None else None,
            lines=[dict(line_no=n, sku=f"SKU-{n}", qty=q, unit_price=p, list_price=p) for n, q, p in lines]))

    def add(self, source: str, kind: str, hours: float, **fields) -> "_Order":
        self.n += 1
        ev = dict(source=source, source_event_id=f"{self.oid}:{self.n}:{kind}", kind=kind,
                  occurred_at=at(hours).isoformat(), **fields)
        if "ref" not in fields:
            ev["order_id"] = self.oid
        self.events.append(ev)
        return self

    def lines(self, source: str, kind: str, hours: float, qty: dict[int, float], **fields) -> "_Order":
        return self.add(source, kind, hours, attrs=dict(
            lines=[dict(line_no=n, qty=q) for n, q in qty.items()], **fields.pop("attrs", {})), **fields)

    def ship(self, sid: str, hours: float, qty: dict[int, float]) -> "_Order":
        self.lines("wms", "packed", hours - 0.5, qty, shipment_id=sid)
        return self.lines("wms", "shipped", hours, qty, shipment_id=sid,
                          attrs=dict(carrier="UPS", tracking_no=f"TRK-{sid}"))

    def delivered(self, sid: str, hours: float, kind: str = "delivered") -> "_Order":
        return self.add("carrier", kind, hours, ref=Ref("carrier", "tracking_no", f"TRK-{sid}"))

    def invoice(self, inv: str, hours: float, lines: dict[int, tuple[float, float]]) -> "_Order":
        amount = sum(q * p for q, p in lines.values())
        return self.add("finance", "invoiced", hours, invoice_id=inv, attrs=dict(
            invoice_no=inv, amount=amount, currency="USD",
            lines=[dict(line_no=n, qty=q, unit_price=p) for n, (q, p) in lines.items()]))

    def paid(self, inv: str, hours: float, amount: float) -> "_Order":
        return self.add("finance", "paid", hours, invoice_id=inv, payment_id=f"PAY-{inv}",
                        attrs=dict(amount=amount, method="ach"))


def orders() -> list[_Order]:
    a = _Order("A", wh="DAL-1", region="South", channel="edi", cust="C-1",
               lines=[(1, 10, 5.0), (2, 4, 10.0)], promised=48)
    a.lines("erp", "atp_confirmed", 1, {1: 10, 2: 4}).add("erp", "released", 3)
    a.lines("wms", "picked", 5, {1: 10, 2: 4}).ship("A-S1", 8, {1: 10, 2: 4})
    a.invoice("INV-A", 10, {1: (10, 5.0), 2: (4, 10.0)}).delivered("A-S1", 40).paid("INV-A", 490, 90)

    b = _Order("B", wh="DAL-1", region="South", channel="web", cust="C-2",
               lines=[(1, 10, 2.0), (2, 10, 3.0)], promised=72)
    b.add("erp", "atp_short", 2, attrs=dict(lines=[dict(line_no=1, qty=10), dict(line_no=2, qty=4, qty_short=6)]))
    b.lines("erp", "atp_confirmed", 20, {2: 10}).add("erp", "released", 21)
    b.lines("wms", "picked", 23, {1: 10, 2: 4}).ship("B-S1", 25, {1: 10, 2: 4})
    b.lines("wms", "picked", 40, {2: 6}).ship("B-S2", 45, {2: 6})
    b.invoice("INV-B", 46, {1: (10, 2.0), 2: (10, 3.0)}).delivered("B-S1", 50).delivered("B-S2", 80)

    c = _Order("C", wh="ATL-1", region="East", channel="edi", cust="C-1", lines=[(1, 5, 10.0)], promised=72)
    c.lines("erp", "atp_confirmed", 2, {1: 5}).add("erp", "released", 4)
    c.lines("wms", "picked", 6, {1: 5}).ship("C-S1", 9, {1: 5})
    c.invoice("INV-C", 12, {1: (5, 10.0)}).delivered("C-S1", 30, kind="delivery_failed")
    c.delivered("C-S1", 60).paid("INV-C", 252, 50)

    d = _Order("D", wh="ATL-1", region="East", channel="web", cust="C-3", lines=[(1, 8, 5.0)], promised=24)
    d.lines("erp", "atp_confirmed", 1, {1: 8}).add("erp", "released", 2)

    e = _Order("E", wh="DAL-1", region="South", channel="edi", cust="C-2", lines=[(1, 1, 1.0)], promised=48)
    e.add("erp", "cancelled", 5, attrs=dict(reason="customer"))

    f = _Order("F", wh="DAL-1", region="South", channel="edi", cust="C-1", lines=[(1, 2, 50.0)],
               promised=36, placed=10)
    f.lines("erp", "atp_confirmed", 11, {1: 2}).add("erp", "released", 12)
    f.lines("wms", "picked", 14, {1: 2}).ship("F-S1", 16, {1: 2})
    f.invoice("INV-F", 20, {1: (2, 55.0)}).delivered("F-S1", 30)
    return [a, b, c, d, e, f]


def load(conn) -> None:
    """Ingest the fixture orders (all events in one batch: order does not matter) and add
    exceptions: two resolved (6 h on A, 18 h on B), one open, two integration incidents."""
    events = [ev for o in orders() for ev in o.events]
    result = ingest(conn=conn, milestones=events)
    assert not result.rejected, result.rejected
    assert result.parked == 0
    _exception(conn, "A", "stage_overdue", opened=10, resolved=16)
    _exception(conn, "B", "carrier_delay", opened=30, resolved=48)
    _exception(conn, "D", "queue_aging", opened=20, resolved=None)
    _exception(conn, None, "integration_incident", opened=100, resolved=110, subject="wms")
    _exception(conn, None, "integration_incident", opened=200, resolved=None, subject="carrier")


def _exception(conn, order_id, kind, *, opened, resolved, subject="") -> None:
    import sqlalchemy as sa

    conn.execute(sa.text(
        "INSERT INTO exceptions (order_id, kind, subject, severity, status, title, opened_at, resolved_at) "
        "VALUES (:o, :k, :s, 'high', :st, :t, :op, :rs)"),
        {"o": order_id, "k": kind, "s": subject, "st": "resolved" if resolved is not None else "open",
         "t": f"{kind} on {order_id}", "op": at(opened), "rs": at(resolved) if resolved is not None else None})
