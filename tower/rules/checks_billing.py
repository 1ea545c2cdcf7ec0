"""Exception rules from shipment to cash and for returns. Cross-system comparisons name both
sides (which system says what, as of when) in `detail.sides`.
"""

from __future__ import annotations

from datetime import timedelta

from tower.rules.context import Ctx, side


def _f(v) -> float:
    return float(v or 0)


def _line_qty(lines, line_no) -> float:
    return sum(_f(x.get("qty")) for x in lines or [] if x.get("line_no") == line_no)


def _invoiced_shipments(ctx: Ctx) -> set[str]:
    return {i["shipment_id"] for i in ctx.facts.invoices if i.get("shipment_id")}


def _covered(ctx: Ctx, shipment: dict) -> bool:
    """A shipment is billed if an invoice names it, or every line it carried is invoiced."""
    if shipment["shipment_id"] in _invoiced_shipments(ctx):
        return True
    by_line = {ln["line_no"]: ln for ln in ctx.facts.lines}
    carried = [x.get("line_no") for x in shipment.get("lines") or []]
    return bool(carried) and all(
        by_line.get(n) is not None and _f(by_line[n]["qty_invoiced"]) >= _f(by_line[n]["qty_shipped"])
        for n in carried)


def partial_not_billed(ctx: Ctx) -> None:
    """Part of the order shipped, and a shipment is unbilled `after_hours` business hours later."""
    if not ctx.facts.order.get("is_partial") or ctx.facts.order["status"] == "cancelled":
        return
    after = ctx.param("partial_not_billed", "after_hours", 24)
    for s in ctx.facts.shipments:
        if not s.get("shipped_at") or _covered(ctx, s):
            continue
        unbilled = ctx.office.add_hours(s["shipped_at"], after)
        if not ctx.reached(unbilled):
            continue
        ctx.raise_(
            "partial_not_billed", s["shipment_id"],
            f"Partial shipment {s['shipment_id']} shipped {ctx.local_label(s['shipped_at'])}, not invoiced",
            {"facts": {"shipment_id": s["shipment_id"], "shipped_at": s["shipped_at"].isoformat(),
                       "after_hours": after},
             "sides": [side("wms", "partial shipment confirmed", s["shipped_at"]),
                       side("finance", "no invoice for this shipment", None)]},
            sum(_line_qty(s.get("lines"), ln["line_no"]) * _f(ln.get("unit_price")) for ln in ctx.facts.lines),
            since=unbilled)


def delivered_not_invoiced(ctx: Ctx) -> None:
    """Every line delivered, some delivered quantity not invoiced `after_hours` business hours on."""
    order = ctx.facts.order
    lines = [ln for ln in ctx.facts.lines if _f(ln["qty_ordered"]) > 0]
    if order["status"] == "cancelled" or not lines:
        return
    if not all(_f(ln["qty_delivered"]) >= _f(ln["qty_ordered"]) for ln in lines):
        return
    unbilled = [ln for ln in lines if _f(ln["qty_invoiced"]) < _f(ln["qty_delivered"])]
    if not unbilled:
        return
    delivered_at = max((s["delivered_at"] for s in ctx.facts.shipments if s.get("delivered_at")), default=None)
    if delivered_at is None:
        return
    after = ctx.param("delivered_not_invoiced", "after_hours", 24)
    unbilled_since = ctx.office.add_hours(delivered_at, after)
    if not ctx.reached(unbilled_since):
        return
    value = sum((_f(ln["qty_delivered"]) - _f(ln["qty_invoiced"])) * _f(ln.get("unit_price")) for ln in unbilled)
    ctx.raise_(
        "delivered_not_invoiced", "",
        f"Delivered {ctx.local_label(delivered_at)}, not invoiced after {after:g} business h",
        {"facts": {"delivered_at": delivered_at.isoformat(), "lines": [ln["line_no"] for ln in unbilled],
                   "after_hours": after},
         "sides": [side("carrier", "delivered", delivered_at),
                   side("finance", "no invoice for the delivered quantity", None)]},
        value, since=unbilled_since)


def invoice_qty_mismatch(ctx: Ctx) -> None:
    """An invoice bills a different quantity than its shipment carried (or than was shipped)."""
    by_line = {ln["line_no"]: ln for ln in ctx.facts.lines}
    shipments = {s["shipment_id"]: s for s in ctx.facts.shipments}
    for inv in ctx.facts.invoices:
        shipment = shipments.get(inv.get("shipment_id") or "")
        diffs = []
        for x in inv.get("lines") or []:
            n = x.get("line_no")
            billed = _f(x.get("qty"))
            if shipment is not None:
                shipped = _line_qty(shipment.get("lines"), n)
            else:
                # No shipment named: compare the line's cumulative invoiced and shipped totals.
                if n not in by_line or _f(by_line[n]["qty_invoiced"]) <= _f(by_line[n]["qty_shipped"]):
                    continue
                billed, shipped = _f(by_line[n]["qty_invoiced"]), _f(by_line[n]["qty_shipped"])
            if billed != shipped:
                diffs.append({"line_no": n, "invoiced": billed, "shipped": shipped})
        if not diffs:
            continue
        shipped_at = shipment.get("shipped_at") if shipment else None
        price = {n: _f(ln.get("unit_price")) for n, ln in by_line.items()}
        ctx.raise_(
            "invoice_qty_mismatch", inv["invoice_id"],
            f"Invoice {inv.get('invoice_no') or inv['invoice_id']} bills "
            + "; ".join(f"line {d['line_no']}: {d['invoiced']:g} vs {d['shipped']:g} shipped" for d in diffs),
            {"facts": {"invoice_id": inv["invoice_id"], "shipment_id": inv.get("shipment_id"), "lines": diffs},
             "sides": [side("finance", "invoiced " + ", ".join(f"{d['invoiced']:g} on line {d['line_no']}" for d in diffs),
                            inv.get("issued_at")),
                       side("wms", "shipped " + ", ".join(f"{d['shipped']:g} on line {d['line_no']}" for d in diffs),
                            shipped_at)]},
            sum(abs(d["invoiced"] - d["shipped"]) * price.get(d["line_no"], 0) for d in diffs),
            since=inv.get("issued_at"))


def invoice_price_mismatch(ctx: Ctx) -> None:
    """An invoice line's unit price differs from the order line's price beyond tolerance."""
    tol = ctx.param("invoice_price_mismatch", "tolerance_pct", 0.5) / 100.0
    by_line = {ln["line_no"]: ln for ln in ctx.facts.lines}
    priced = ctx.facts.latest("priced", "placed", "amended")
    for inv in ctx.facts.invoices:
        diffs = []
        for x in inv.get("lines") or []:
            ln = by_line.get(x.get("line_no"))
            if ln is None or x.get("unit_price") is None or ln.get("unit_price") in (None, 0):
                continue
            billed, ordered = _f(x["unit_price"]), _f(ln["unit_price"])
            if abs(billed - ordered) / ordered > tol:
                diffs.append({"line_no": ln["line_no"], "invoiced": billed, "ordered": ordered,
                              "qty": _f(x.get("qty"))})
        if not diffs:
            continue
        ctx.raise_(
            "invoice_price_mismatch", inv["invoice_id"],
            f"Invoice {inv.get('invoice_no') or inv['invoice_id']} prices "
            + "; ".join(f"line {d['line_no']} at {d['invoiced']:.2f} vs {d['ordered']:.2f} ordered" for d in diffs),
            {"facts": {"invoice_id": inv["invoice_id"], "lines": diffs},
             "sides": [side("finance", "billed " + ", ".join(f"line {d['line_no']} at {d['invoiced']:.2f}" for d in diffs),
                            inv.get("issued_at")),
                       side("erp", "ordered " + ", ".join(f"line {d['line_no']} at {d['ordered']:.2f}" for d in diffs),
                            priced["occurred_at"] if priced else None)]},
            sum(abs(d["invoiced"] - d["ordered"]) * d["qty"] for d in diffs), since=inv.get("issued_at"))


def payment_overdue(ctx: Ctx) -> None:
    """An invoice not fully paid `grace_days` after its due date."""
    grace = ctx.param("payment_overdue", "grace_days", 3)
    for inv in ctx.facts.invoices:
        if inv["status"] == "paid" or not inv.get("due_at"):
            continue
        overdue = inv["due_at"] + timedelta(days=grace)
        if not ctx.reached(overdue):
            continue
        open_amount = _f(inv["amount"]) - _f(inv["paid_amount"])
        ctx.raise_(
            "payment_overdue", inv["invoice_id"],
            f"Invoice {inv.get('invoice_no') or inv['invoice_id']} due {inv['due_at'].date()}, "
            f"{open_amount:,.2f} {inv.get('currency') or ''} open".rstrip(),
            {"facts": {"invoice_id": inv["invoice_id"], "due_at": inv["due_at"].isoformat(),
                       "amount": _f(inv["amount"]), "paid": _f(inv["paid_amount"]), "grace_days": grace},
             "sides": [side("finance", f"{open_amount:,.2f} unpaid", inv.get("issued_at"))]},
            open_amount, since=overdue)


def return_not_credited(ctx: Ctx) -> None:
    """A return received in the WMS and not credited in finance `after_hours` business hours on."""
    after = ctx.param("return_not_credited", "after_hours", 16)
    for ret in ctx.facts.returns:
        if not ret.get("received_at") or ret.get("credited_at"):
            continue
        uncredited = ctx.office.add_hours(ret["received_at"], after)
        if not ctx.reached(uncredited):
            continue
        value = sum(_f(ln["qty_returned"]) * _f(ln.get("unit_price")) for ln in ctx.facts.lines) or _f(ret.get("credit_amount"))
        ctx.raise_(
            "return_not_credited", ret["return_id"],
            f"Return {ret['return_id']} received {ctx.local_label(ret['received_at'])}, no credit note",
            {"facts": {"return_id": ret["return_id"], "received_at": ret["received_at"].isoformat(),
                       "qty_received": _f(ret.get("qty_received")), "after_hours": after},
             "sides": [side("wms", f"received {_f(ret.get('qty_received')):g}", ret["received_at"]),
                       side("finance", "no credit note", None)]},
            value, since=uncredited)


RULES = (partial_not_billed, delivered_not_invoiced, invoice_qty_mismatch, invoice_price_mismatch,
         payment_overdue, return_not_credited)
