"""Build one order's life as milestones, step by step, the way the four systems report it.

    s = Story("SO-1", placed=MON_9)          # placed Monday 09:00 CST at DAL-1, 2 lines
    s.validated(); s.released(hours=1); s.picked(hours=2)
    ingest_and_evaluate(engine, s.events, now=...)

Times are hours after the placement unless given as datetimes.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from itertools import count
from typing import Any

import sqlalchemy as sa

from tower.evaluation.worker import drain
from tower.rules import policy as policy_mod
from tower.store import Ref
from tower.store.ingest import ingest

UTC = timezone.utc
# Monday 2026-11-02 09:00 America/Chicago (CST, UTC-6) = 15:00 UTC.
MON_9 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
POLICY = policy_mod.load()


class Story:
    def __init__(self, order_id: str = "SO-1", *, placed: datetime = MON_9, warehouse: str = "DAL-1",
                 region: str = "South", tier: str = "gold", prices: tuple[float, float] = (10.0, 20.0),
                 list_prices: tuple[float, float] | None = None, qty: tuple[int, int] = (5, 3),
                 promised_hours: float = 72) -> None:
        self.order_id, self.t0, self.events = order_id, placed, []
        self._n = count(1)
        lists = list_prices or prices
        self.qty, self.prices = qty, prices
        self.add("erp", "placed", 0, attrs=dict(
            customer_id="C-1", customer_name="Lone Star Grocers", customer_tier=tier,
            customer_po=f"PO-{order_id}", channel="edi", warehouse=warehouse, region=region,
            currency="USD", promised_at=self.at(promised_hours),
            lines=[dict(line_no=1, sku="SKU-1", qty=qty[0], unit_price=prices[0], list_price=lists[0]),
                   dict(line_no=2, sku="SKU-2", qty=qty[1], unit_price=prices[1], list_price=lists[1])]))

    def at(self, when: float | datetime) -> str:
        return (when if isinstance(when, datetime) else self.t0 + timedelta(hours=when)).isoformat()

    def add(self, source: str, kind: str, when: float | datetime, **fields: Any) -> "Story":
        ev = dict(source=source, source_event_id=f"{self.order_id}:{kind}:{next(self._n)}", kind=kind,
                  occurred_at=self.at(when))
        if "ref" not in fields:
            ev["order_id"] = self.order_id
        ev.update(fields)
        self.events.append(ev)
        return self

    def lines(self, part: float = 1.0, only: int | None = None) -> list[dict]:
        return [dict(line_no=n, qty=q * part) for n, q in ((1, self.qty[0]), (2, self.qty[1]))
                if only in (None, n)]

    def validated(self, when: float = 0.2) -> "Story":
        return self.add("erp", "atp_confirmed", when, attrs=dict(lines=self.lines()))

    def short(self, when: float = 0.2, line: int = 2, short: int = 2) -> "Story":
        lines = [dict(line_no=n, qty=q - (short if n == line else 0), qty_short=short if n == line else 0)
                 for n, q in ((1, self.qty[0]), (2, self.qty[1]))]
        return self.add("erp", "atp_short", when, attrs=dict(lines=lines, expected_at=self.at(96)))

    def credit_hold(self, when: float = 0.1) -> "Story":
        return self.add("erp", "credit_hold", when, attrs=dict(reason="over limit", amount=5000))

    def released(self, when: float = 0.5) -> "Story":
        return self.add("erp", "released", when)

    def picked(self, when: float = 2, only: int | None = None) -> "Story":
        return self.add("wms", "picked", when, attrs=dict(lines=self.lines(only=only)))

    def packed(self, when: float = 3, shipment: str = "S1", only: int | None = None) -> "Story":
        return self.add("wms", "packed", when, shipment_id=f"{self.order_id}-{shipment}",
                        attrs=dict(lines=self.lines(only=only)))

    def shipped(self, when: float = 4, shipment: str = "S1", only: int | None = None,
                promised: float = 48) -> "Story":
        return self.add("wms", "shipped", when, shipment_id=f"{self.order_id}-{shipment}", attrs=dict(
            carrier="UPS", tracking_no=f"1Z{self.order_id}{shipment}", lines=self.lines(only=only),
            promised_delivery_at=self.at(promised)))

    def scan(self, kind: str, when: float, shipment: str = "S1", **attrs: Any) -> "Story":
        return self.add("carrier", kind, when, ref=Ref("carrier", "tracking_no", f"1Z{self.order_id}{shipment}"),
                        attrs=attrs)

    def invoiced(self, when: float, shipment: str | None = "S1", only: int | None = None,
                 qty_factor: float = 1.0, price_factor: float = 1.0, due_days: float = 30,
                 number: int = 1) -> "Story":
        lines = [dict(line_no=ln["line_no"], qty=ln["qty"] * qty_factor,
                      unit_price=self.prices[ln["line_no"] - 1] * price_factor) for ln in self.lines(only=only)]
        inv = f"INV-{self.order_id}-{number}"
        attrs = dict(invoice_no=inv, currency="USD", due_at=self.at(when + 24 * due_days),
                     amount=sum(x["qty"] * x["unit_price"] for x in lines), lines=lines)
        if shipment:
            attrs["shipment_id"] = f"{self.order_id}-{shipment}"
        return self.add("finance", "invoiced", when, invoice_id=inv, attrs=attrs)

    def paid(self, when: float, number: int = 1, amount: float | None = None) -> "Story":
        inv = f"INV-{self.order_id}-{number}"
        total = amount if amount is not None else sum(q * p for q, p in zip(self.qty, self.prices))
        return self.add("finance", "paid", when, ref=Ref("finance", "invoice_no", inv),
                        payment_id=f"PAY-{self.order_id}-{number}", attrs=dict(amount=total))

    def returned(self, requested: float, received: float | None = None, credited: float | None = None) -> "Story":
        rid = f"RMA-{self.order_id}"
        lines = [dict(line_no=1, qty=1)]
        self.add("erp", "return_requested", requested, return_id=rid, attrs=dict(lines=lines, reason="damaged"))
        if received is not None:
            self.add("wms", "return_received", received, return_id=rid, attrs=dict(lines=lines))
        if credited is not None:
            self.add("finance", "credited", credited, return_id=rid,
                     attrs=dict(lines=lines, amount=self.prices[0]))
        return self

    def cancelled(self, when: float) -> "Story":
        return self.add("erp", "cancelled", when, attrs=dict(reason="customer request"))

    def through_delivery(self, delivered: float = 30) -> "Story":
        return (self.validated().released().picked().packed().shipped()
                .scan("carrier_pickup", 5).scan("delivered", delivered))


def load(engine: sa.Engine, events: list[dict], *, now: datetime) -> None:
    """Ingest the events (as a collector batch would) and run the worker at `now`."""
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=events)
        assert not result.rejected, result.rejected
    drain(engine, now=now, policy=POLICY)


def hours(h: float) -> timedelta:
    return timedelta(hours=h)


def order(engine: sa.Engine, order_id: str = "SO-1") -> dict:
    with engine.begin() as conn:
        return dict(conn.execute(sa.text("SELECT * FROM orders WHERE order_id = :o"), {"o": order_id}).mappings().one())


def open_exceptions(engine: sa.Engine, order_id: str | None = "SO-1") -> dict[tuple[str, str], dict]:
    with engine.begin() as conn:
        rows = conn.execute(sa.text(
            "SELECT * FROM exceptions WHERE coalesce(order_id, '') = coalesce(:o, '') AND status <> 'resolved'"),
            {"o": order_id}).mappings().all()
    return {(r["kind"], r["subject"]): dict(r) for r in rows}


def kinds(engine: sa.Engine, order_id: str = "SO-1") -> set[str]:
    return {k for k, _ in open_exceptions(engine, order_id)}


def events(engine: sa.Engine, exception_id: int) -> list[dict]:
    with engine.begin() as conn:
        return [dict(r) for r in conn.execute(sa.text(
            "SELECT * FROM exception_events WHERE exception_id = :e ORDER BY event_id"),
            {"e": exception_id}).mappings()]


def mark_dirty(engine: sa.Engine, *order_ids: str) -> None:
    with engine.begin() as conn:
        for oid in order_ids:
            conn.execute(sa.text("INSERT INTO dirty_orders (order_id) VALUES (:o) ON CONFLICT DO NOTHING"), {"o": oid})


def reevaluate(engine: sa.Engine, now: datetime, *order_ids: str) -> None:
    mark_dirty(engine, *(order_ids or ("SO-1",)))
    drain(engine, now=now, policy=POLICY)
