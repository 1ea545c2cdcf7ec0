"""Exception rules from order entry to delivery. Each rule reads the facts and raises findings;
the docstring is the rule as a person would state it.
"""

from __future__ import annotations

from datetime import timedelta

from tower.rules.calendar import wall_add
from tower.rules.context import Ctx, money, side

WMS_WORK = ("pick_started", "picked", "packed", "shipped")


def _f(v) -> float:
    return float(v or 0)


def stock_shortage(ctx: Ctx) -> None:
    """A line the ERP could not fully allocate (ATP short) and that is not yet fully shipped."""
    if ctx.facts.order["status"] != "open":
        return
    atp = ctx.facts.latest("atp_short")
    expected = (atp or {}).get("attrs", {}).get("expected_at")
    for ln in ctx.facts.lines:
        short = _f(ln["qty_short"])
        if short <= 0 or _f(ln["qty_shipped"]) >= _f(ln["qty_ordered"]):
            continue
        ctx.raise_(
            "stock_shortage", f"line {ln['line_no']}",
            f"Line {ln['line_no']} ({ln.get('sku') or 'sku?'}) short {short:g} of {_f(ln['qty_ordered']):g}",
            {"facts": {"line_no": ln["line_no"], "sku": ln.get("sku"), "qty_ordered": _f(ln["qty_ordered"]),
                       "qty_allocated": _f(ln["qty_allocated"]), "qty_short": short,
                       "expected_at": expected},
             "sides": [side("erp", f"allocated {_f(ln['qty_allocated']):g}, short {short:g}",
                            atp["occurred_at"] if atp else None)]},
            short * _f(ln.get("unit_price")), since=atp["occurred_at"] if atp else None)


def credit_hold_aging(ctx: Ctx) -> None:
    """An order on credit hold for longer than `after_hours` business hours."""
    order = ctx.facts.order
    if order["status"] != "open" or not order.get("credit_hold"):
        return
    hold = ctx.facts.latest("credit_hold")
    start = hold["occurred_at"] if hold else ctx.facts.started_at
    after = ctx.param("credit_hold_aging", "after_hours", 4)
    aged = ctx.office.add_hours(start, after)
    if not ctx.reached(aged):
        return
    attrs = (hold or {}).get("attrs", {})
    ctx.raise_("credit_hold_aging", "",
               f"On credit hold since {ctx.local_label(start)} ({attrs.get('reason') or 'no reason given'})",
               {"facts": {"held_at": start.isoformat(), "reason": attrs.get("reason"),
                          "amount": attrs.get("amount"), "after_hours": after},
                "sides": [side("erp", "credit hold", start)]},
               _f(order.get("value")), since=aged)


def pricing_discrepancy(ctx: Ctx) -> None:
    """A line whose order price differs from the list (contract) price by more than tolerance."""
    if ctx.facts.order["status"] == "cancelled":
        return
    tol = ctx.param("pricing_discrepancy", "tolerance_pct", 0.5) / 100.0
    priced = ctx.facts.latest("priced", "placed", "amended")
    for ln in ctx.facts.lines:
        price, listed = ln.get("unit_price"), ln.get("list_price")
        if price is None or listed is None or _f(listed) == 0:
            continue
        if abs(_f(price) - _f(listed)) / _f(listed) <= tol:
            continue
        ctx.raise_(
            "pricing_discrepancy", f"line {ln['line_no']}",
            f"Line {ln['line_no']} priced {_f(price):.2f}, list {_f(listed):.2f}",
            {"facts": {"line_no": ln["line_no"], "unit_price": _f(price), "list_price": _f(listed)},
             "sides": [side("erp order", f"unit price {_f(price):.2f}", priced["occurred_at"] if priced else None),
                       side("erp price list", f"list price {_f(listed):.2f}", None)]},
            abs(_f(price) - _f(listed)) * _f(ln["qty_ordered"]), since=priced["occurred_at"] if priced else None)


def _open_shipments(ctx: Ctx):
    return [s for s in ctx.facts.shipments if s.get("shipped_at") and not s.get("delivered_at")]


def carrier_delay(ctx: Ctx) -> None:
    """The carrier reported a delay and its delivery estimate is now after the promise (the
    shipment's, else the order's). A shipment that merely left late is the warehouse's
    lateness (queue aging), not the carrier's."""
    for s in _open_shipments(ctx):
        promise = s.get("promised_delivery_at") or ctx.facts.order.get("promised_at")
        estimate = s.get("estimated_delivery_at")
        if not promise or not estimate or estimate <= promise:
            continue
        delays = [m for m in ctx.facts.milestones
                  if m["kind"] == "delayed" and m.get("shipment_id") in (None, s["shipment_id"])]
        if not delays:
            continue
        scan = max(delays, key=lambda m: m["occurred_at"])
        late_h = (estimate - promise).total_seconds() / 3600.0
        ctx.raise_(
            "carrier_delay", s["shipment_id"],
            f"{s.get('carrier') or 'Carrier'} estimates {late_h:.0f} h after the promise",
            {"facts": {"shipment_id": s["shipment_id"], "tracking_no": s.get("tracking_no"),
                       "estimated_delivery_at": estimate.isoformat(), "promised_at": promise.isoformat()},
             "sides": [side("carrier", f"delayed; expects delivery {ctx.local_label(estimate)}", scan["occurred_at"]),
                       side("erp", f"promised delivery {ctx.local_label(promise)}", ctx.facts.order.get("placed_at"))]},
            _f(ctx.facts.order.get("value")), since=scan["occurred_at"])


def no_carrier_scan(ctx: Ctx) -> None:
    """Shipped (WMS ship confirm) but no carrier scan `after_hours` wall-clock hours later."""
    after = ctx.param("no_carrier_scan", "after_hours", 12)
    for s in _open_shipments(ctx):
        if s.get("picked_up_at") or (s.get("last_scan_at") and s["last_scan_at"] >= s["shipped_at"]):
            continue
        silent = wall_add(s["shipped_at"], after)
        if not ctx.reached(silent):
            continue
        ctx.raise_(
            "no_carrier_scan", s["shipment_id"],
            f"No {s.get('carrier') or 'carrier'} scan for {s.get('tracking_no') or s['shipment_id']} "
            f"{after:g} h after ship",
            {"facts": {"shipment_id": s["shipment_id"], "tracking_no": s.get("tracking_no"),
                       "shipped_at": s["shipped_at"].isoformat(), "after_hours": after},
             "sides": [side("wms", "ship confirmed", s["shipped_at"]),
                       side("carrier", "no scan received", None)]},
            _f(ctx.facts.order.get("value")), since=silent)


def delivery_failed(ctx: Ctx) -> None:
    """The carrier reported a failed delivery attempt and no delivery since."""
    for s in ctx.facts.shipments:
        if not s.get("failed_attempts") or s.get("delivered_at"):
            continue
        fails = [m for m in ctx.facts.milestones
                 if m["kind"] == "delivery_failed" and m.get("shipment_id") in (None, s["shipment_id"])]
        fail = max(fails, key=lambda m: m["occurred_at"], default=None)
        reason = (fail or {}).get("attrs", {}).get("reason")
        ctx.raise_(
            "delivery_failed", s["shipment_id"],
            f"Delivery failed ({s['failed_attempts']} attempt(s)){': ' + reason if reason else ''}",
            {"facts": {"shipment_id": s["shipment_id"], "attempts": s["failed_attempts"], "reason": reason},
             "sides": [side("carrier", "delivery failed", fail["occurred_at"] if fail else s.get("last_scan_at"))]},
            _f(ctx.facts.order.get("value")), since=fail["occurred_at"] if fail else s.get("last_scan_at"))


def cancelled_still_picking(ctx: Ctx) -> None:
    """Cancelled in the ERP while the WMS has work on it: a pick started (before or after the
    cancel), or anything picked, packed or shipped — stock to put back or a load to stop."""
    if ctx.facts.order["status"] != "cancelled":
        return
    cancel = ctx.facts.latest("cancelled")
    work = [m for m in ctx.facts.milestones if m["source"] == "wms" and m["kind"] in WMS_WORK]
    if not cancel or not work:
        return
    last = max(work, key=lambda m: m["occurred_at"])
    # Clocks of two systems are not in step: "after" allows a minute of skew.
    after = [m for m in work if m["occurred_at"] >= cancel["occurred_at"] - timedelta(minutes=1)]
    ctx.raise_(
        "cancelled_still_picking", "",
        f"Cancelled in ERP at {ctx.local_label(cancel['occurred_at'])}, WMS {last['kind']} "
        f"at {ctx.eff.warehouse_calendar.local_label(last['occurred_at'])}",
        {"facts": {"cancelled_at": cancel["occurred_at"].isoformat(),
                   "wms_events": sorted(f"{m['kind']}@{m['occurred_at'].isoformat()}" for m in work),
                   "wms_work_after_cancel": bool(after)},
         "sides": [side("erp", "order cancelled", cancel["occurred_at"]),
                   side("wms", f"{last['kind']} recorded", last["occurred_at"])]},
        # the cancellation met work already done, or the first work that came after it
        money(ctx.facts.order.get("value")),
        since=max(cancel["occurred_at"], min(m["occurred_at"] for m in work)))


RULES = (stock_shortage, credit_hold_aging, pricing_discrepancy, carrier_delay, no_carrier_scan,
         delivery_failed, cancelled_still_picking)
