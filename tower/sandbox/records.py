"""Source records as each system shows them at a moment: one class per mutable record type.

The simulation decides an order's whole life up front; a record here holds every planned
timestamp and `render(t)` shows the record as its system would serve it at time `t` (only the
facts that happened by then). `times` are the moments the record changes: each is a version.
Rendering only the versions that are needed keeps bulk generation cheap (a record entirely in
the past is rendered once, at its last change).
"""

from __future__ import annotations

from typing import Any

from tower.sandbox.world import iso


def iso_or_none(ms: int | None) -> str | None:
    """`iso` for a time that may not have happened (yet)."""
    return None if ms is None else iso(ms)


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class Rec:
    """A record of one system: its endpoint (`resource`), key and the order it belongs to."""

    __slots__ = ("system", "resource", "key", "order_no", "times")

    def __init__(self, system: str, resource: str, key: str, order_no: str, times: list[int]):
        self.system, self.resource, self.key, self.order_no = system, resource, key, order_no
        self.times = sorted(set(times))

    def render(self, t: int) -> dict[str, Any]:
        raise NotImplementedError


class Static(Rec):
    """An immutable record (ship confirm, scan, payment, credit note): one version."""

    __slots__ = ("body",)

    def __init__(self, system: str, resource: str, key: str, order_no: str, t: int,
                 body: dict[str, Any]):
        super().__init__(system, resource, key, order_no, [t])
        body["updated_at"] = iso(t)
        self.body = body

    def render(self, t: int) -> dict[str, Any]:
        return self.body


class SalesOrder(Rec):
    """ERP sales order. `history` is a list of (t, entry) appended in time order."""

    __slots__ = ("head", "history", "lines", "atp_t", "hold", "release_t", "cancel")

    def __init__(self, order_no: str, head: dict[str, Any], lines: list[dict[str, Any]],
                 history: list[tuple[int, dict[str, Any]]], atp_t: int | None,
                 hold: dict[str, Any] | None, release_t: int | None,
                 cancel: tuple[int, str] | None):
        history.sort(key=lambda h: h[0])
        for seq, (t, entry) in enumerate(history, start=1):
            entry["seq"] = seq
            entry["at"] = iso(t)
        super().__init__("erp", "sales-orders", order_no, order_no, [t for t, _ in history])
        self.head, self.lines, self.history = head, lines, history
        self.atp_t, self.hold, self.release_t, self.cancel = atp_t, hold, release_t, cancel

    def render(self, t: int) -> dict[str, Any]:
        events = [e for at, e in self.history if at <= t]
        names = {e["event"] for e in events}
        body = dict(self.head)
        checked = self.atp_t is not None and self.atp_t <= t
        filled = {ln["line_no"] for e in events if e["event"] == "BACKORDER_FILLED" for ln in e["lines"]}
        lines = []
        open_short = False
        for line in self.lines:
            row = {k: v for k, v in line.items() if k != "_atp"}
            atp = line["_atp"]
            if checked:
                short = atp["qty_short"] if line["line_no"] not in filled else 0
                open_short = open_short or short > 0
                row["atp"] = {"status": "SHORT" if short else "CONFIRMED",
                              "qty_allocated": line["qty"] - short, "qty_short": short,
                              "expected_at": atp["expected_at"] if short else None,
                              "checked_at": iso_or_none(self.atp_t)}
            else:
                row["atp"] = None
            lines.append(row)
        credit: dict[str, Any] = {"status": "OK"}
        if self.hold and self.hold["t"] <= t:
            credit = {"status": "HOLD", "hold_reason": self.hold["reason"],
                      "held_at": iso(self.hold["t"]), "amount": self.hold["amount"]}
            if self.hold.get("released_t") is not None and self.hold["released_t"] <= t:
                credit.update(status="RELEASED", released_at=iso(self.hold["released_t"]),
                              released_by=self.hold["by"])
        cancelled = self.cancel is not None and self.cancel[0] <= t
        if cancelled:
            status = "CANCELLED"
        elif credit["status"] == "HOLD":
            status = "CREDIT_HOLD"
        elif "RELEASED" in names or filled:
            status = "BACKORDER" if open_short else "RELEASED"
        elif checked:
            status = "BACKORDER" if open_short else "OPEN"
        else:
            status = "ENTERED"
        body.update(status=status, credit=credit, lines=lines, history=events,
                    cancelled_at=iso(self.cancel[0]) if cancelled and self.cancel else None,
                    cancel_reason=self.cancel[1] if cancelled and self.cancel else None,
                    updated_at=iso(max(at for at, _ in self.history if at <= t)))
        return body


class Task(Rec):
    """WMS task (PICK, PACK, RETURN_RECEIPT) with its per-state timestamps."""

    __slots__ = ("head", "lines", "created", "started", "completed", "cancelled")

    def __init__(self, key: str, order_no: str, head: dict[str, Any], lines: list[dict[str, Any]],
                 created: int, started: int | None, completed: int | None,
                 cancelled: int | None):
        times = [x for x in (created, started, completed, cancelled) if x is not None]
        super().__init__("wms", "tasks", key, order_no, times)
        self.head, self.lines = head, lines
        self.created, self.started, self.completed, self.cancelled = created, started, completed, cancelled

    def render(self, t: int) -> dict[str, Any]:
        started = self.started is not None and self.started <= t
        done = self.completed is not None and self.completed <= t
        cancelled = self.cancelled is not None and self.cancelled <= t
        status = "CANCELLED" if cancelled else "DONE" if done else "IN_PROGRESS" if started else "CREATED"
        show_done = done or (cancelled and started)
        body = dict(self.head)
        body.update(
            status=status,
            lines=[{"ref_line": ln["ref_line"], "sku": ln["sku"], "qty_requested": ln["qty_requested"],
                    "qty_done": ln["qty_done"] if show_done else None} for ln in self.lines],
            created_at=iso(self.created),
            started_at=iso_or_none(self.started) if started else None,
            completed_at=iso_or_none(self.completed) if done else None,
            cancelled_at=iso_or_none(self.cancelled) if cancelled else None,
            updated_at=iso(max(x for x in self.times if x <= t)),
        )
        return body


class Invoice(Rec):
    """Finance invoice: issued once, then balance and status move with each payment."""

    __slots__ = ("head", "total", "payments")

    def __init__(self, key: str, order_no: str, head: dict[str, Any], total: int,
                 issued: int, payments: list[tuple[int, int]]):
        super().__init__("finance", "invoices", key, order_no, [issued] + [t for t, _ in payments])
        self.head, self.total, self.payments = head, total, payments

    def render(self, t: int) -> dict[str, Any]:
        paid = sum(amount for at, amount in self.payments if at <= t)
        body = dict(self.head)
        body.update(total=money(self.total), amount_paid=money(paid),
                    balance=money(self.total - paid),
                    status="PAID" if paid >= self.total else "PARTIALLY_PAID" if paid else "OPEN",
                    updated_at=iso(max(x for x in self.times if x <= t)))
        return body


class Rma(Rec):
    """ERP return authorisation: AUTHORIZED, then RECEIVED, then CLOSED (credited)."""

    __slots__ = ("head", "requested", "received", "closed")

    def __init__(self, key: str, order_no: str, head: dict[str, Any], requested: int,
                 received: int | None, closed: int | None):
        times = [x for x in (requested, received, closed) if x is not None]
        super().__init__("erp", "returns", key, order_no, times)
        self.head, self.requested, self.received, self.closed = head, requested, received, closed

    def render(self, t: int) -> dict[str, Any]:
        received = self.received is not None and self.received <= t
        closed = self.closed is not None and self.closed <= t
        body = dict(self.head)
        body.update(requested_at=iso(self.requested),
                    status="CLOSED" if closed else "RECEIVED" if received else "AUTHORIZED",
                    received_at=iso_or_none(self.received) if received else None,
                    closed_at=iso_or_none(self.closed) if closed else None,
                    updated_at=iso(max(x for x in self.times if x <= t)))
        return body
