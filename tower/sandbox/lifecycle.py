"""After the ship confirm: carrier scans, the invoice and its payments, returns and credit notes.

Called once per shipment by `simulate.py`. Each system gets only its own view: the carrier
knows the tracking number and the shipper reference (the WMS shipment number); finance knows
its invoice number and the order reference.
"""

from __future__ import annotations

import math
import random
from typing import Any

from tower.sandbox.records import Invoice, Rma, Static, Task, money
from tower.sandbox.world import (
    CARRIERS,
    DAY,
    HOUR,
    HUBS,
    MINUTE,
    PICKERS,
    Customer,
    World,
    date_of,
    iso,
    iso_local,
    lane_slowdown,
)

_CARRIER_WEIGHTS = (50, 35, 15)
_SIGNERS = ("M. RUIZ", "J. PATEL", "FRONT DESK", "DOCK 3", "K. NGUYEN", "S. OBRIEN", "RECEIVING")


def _tracking(style: str, rng: random.Random) -> str:
    if style == "ups":
        return "1Z" + "".join(rng.choice("0123456789ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(6)) \
            + "03" + f"{rng.randrange(10 ** 8):08d}"
    if style == "fedex":
        return f"{rng.randrange(10 ** 12):012d}"
    return f"0{rng.randrange(10 ** 9):09d}"


def ship(world: World, rng: random.Random, life: Any, wh: Any, cust: Customer, seq: int,
         wave_no: int, shipment_no: str, shipped: int, items: list[tuple[dict[str, Any], int]]) -> None:
    code, _name, style, mean_days, p_delay, p_fail = rng.choices(CARRIERS, _CARRIER_WEIGHTS)[0]
    tracking = _tracking(style, rng)
    ship_lines = [{"ref_line": ln["line_no"], "sku": ln["sku"], "qty": q} for ln, q in items]
    # The WMS posts most ship confirms within minutes, some hours late: then the carrier's
    # first scans name a tracking number nobody has heard of yet.
    posted = shipped + (rng.randint(150, 300) if rng.random() < 0.1 else rng.randint(1, 5)) * MINUTE
    life.records.append(Static("wms", "shipments", shipment_no, life.order_no, posted, {
        "shipment_no": shipment_no, "order_ref": life.order_no, "warehouse": wh.code,
        "carrier_code": code, "service": "LTL" if style == "ltl" else "GROUND",
        "tracking_number": tracking, "shipped_at": iso(shipped),
        "promised_delivery_date": date_of(shipped + math.ceil(mean_days + 0.5) * DAY),
        "packages": max(1, sum(q for _, q in items) // 12), "weight_lb": round(rng.uniform(2, 400), 1),
        "lines": ship_lines}))
    life.fact(posted, "shipment")
    for ln, q in items:
        life.fact(posted, "shipped", ln["line_no"], q)
    # The carrier's promise above is its norm; a slow lane out of this warehouse misses it.
    slowdown = lane_slowdown(world.seed, code, wh.code)
    if slowdown > 1.0:
        life.cause(shipped, "slow_lane")
    delivered = _scans(rng, life, wh, seq, wave_no, code, tracking, shipment_no, shipped,
                       mean_days * slowdown, p_delay, p_fail)
    if delivered is not None:
        for ln, q in items:
            life.fact(delivered, "delivered", ln["line_no"], q)
    invoice_no = _invoice(rng, life, cust, seq, wave_no, shipment_no, shipped, items)
    if delivered is not None and wave_no == 0 and rng.random() < 0.04:
        _return(rng, life, wh, seq, delivered, items, invoice_no)


def _scans(rng: random.Random, life: Any, wh: Any, seq: int, wave_no: int, carrier: str,
           tracking: str, shipment_no: str, shipped: int, mean_days: float, p_delay: float,
           p_fail: float) -> int | None:
    """The carrier's scans for one shipment; returns when DELIVERED became visible, if ever."""
    origin = (wh.city, wh.state, wh.postal, wh.tz)
    dest = HUBS[rng.randrange(len(HUBS))]
    pickup = shipped + rng.randint(20, 180) * MINUTE
    eta = shipped + int(rng.lognormvariate(math.log(mean_days), 0.35) * DAY)
    events: list[tuple[int, str, tuple, dict[str, Any]]] = [(pickup, "PICKED_UP", origin, {})]
    hops = rng.randint(1, 3)
    delay_hop = rng.randrange(hops) if rng.random() < p_delay else -1
    lost = rng.random() < 0.006
    etas = [eta]
    for hop in range(hops):
        at = pickup + (eta - pickup) * (hop + 1) // (hops + 2)
        events.append((at, "IN_TRANSIT", HUBS[rng.randrange(len(HUBS))], {}))
        if hop == delay_hop:
            eta += rng.randint(1, 3) * DAY
            events.append((at + rng.randint(30, 240) * MINUTE, "DELAYED", events[-1][2],
                           {"delay_reason": rng.choice(("weather", "mechanical", "volume", "address"))}))
        if lost:
            break
        etas.append(eta)
    delivered_at = None
    if not lost:
        if rng.random() < p_fail:
            events.append((eta - rng.randint(2, 6) * HOUR, "OUT_FOR_DELIVERY", dest, {}))
            events.append((eta, "DELIVERY_FAILED", dest,
                           {"failure_reason": rng.choice(("no_access", "refused", "closed"))}))
            eta += DAY
        events.append((eta - rng.randint(2, 6) * HOUR, "OUT_FOR_DELIVERY", dest, {}))
        events.append((eta, "DELIVERED", dest, {"proof_of_delivery": {
            "signed_by": rng.choice(_SIGNERS),
            "image_url": f"https://pod.example.com/{tracking}.png"}}))
    estimate = etas[0]
    visible_last = pickup
    for n, (at, code, place, extra) in enumerate(events):
        if code == "DELAYED" or code == "DELIVERY_FAILED":
            estimate = eta if code == "DELAYED" else at + DAY
        recorded = at + rng.randint(1, 10) * MINUTE
        visible_last = recorded
        body: dict[str, Any] = {"event_id": f"EV{seq * 64 + wave_no * 16 + n:011d}", "tracking_number": tracking,
                "carrier": carrier, "shipper_reference": shipment_no, "code": code,
                "description": code.replace("_", " ").capitalize(),
                "occurred_at": iso_local(at, place[3]),
                "location": {"city": place[0], "state": place[1], "postal_code": place[2]},
                "estimated_delivery": iso(estimate), "delay_reason": None,
                "failure_reason": None, "proof_of_delivery": None}
        body.update(extra)
        life.records.append(Static("carrier", "tracking-events", body["event_id"], life.order_no,
                                   recorded, body))
        if code == "DELAYED":
            life.scenario(recorded, "carrier_delay")
        elif code == "DELIVERY_FAILED":
            life.scenario(recorded, "failed_delivery")
        elif code == "DELIVERED":
            delivered_at = recorded
    if lost:
        life.scenario(visible_last, "lost_in_transit")
    return delivered_at


def _invoice(rng: random.Random, life: Any, cust: Customer, seq: int, wave_no: int,
             shipment_no: str, shipped: int, items: list[tuple[dict[str, Any], int]]) -> str | None:
    invoice_no = f"INV-{seq * 4 + wave_no:08d}"
    fate = rng.random()
    if fate < 0.02:
        life.scenario(shipped + DAY, "invoice_missing")
        return None
    if fate < 0.07:
        issued = shipped + rng.randint(3, 10) * DAY
        life.scenario(shipped + DAY, "invoice_late")
    else:
        issued = shipped + rng.randint(1, 20) * HOUR
    lines = []
    qty_wrong = rng.random() < 0.02
    price_wrong = rng.random() < 0.025
    for n, (ln, q) in enumerate(items):
        qty, unit = q, ln["unit"]
        if n == 0 and qty_wrong:
            qty = q + 1 if q == 1 else q + rng.choice((-1, 1, 2))
        if n == 0 and price_wrong:
            unit = int(unit * rng.choice((0.9, 1.1, 1.12)))
        lines.append({"line_ref": ln["line_no"], "sku": ln["sku"], "qty": qty,
                      "unit_price": money(unit), "amount": money(qty * unit), "_amount": qty * unit})
        life.fact(issued, "invoiced", ln["line_no"], qty, qty * unit)
    if qty_wrong:
        life.scenario(issued, "invoice_qty_mismatch")
    if price_wrong:
        life.scenario(issued, "invoice_price_mismatch")
    life.fact(issued, "invoice")
    total = sum(ln.pop("_amount") for ln in lines)
    due = issued + cust.terms_days * DAY
    payments: list[tuple[int, int]] = []
    fate = rng.random()
    if fate < 0.03:
        life.scenario(due + DAY, "unpaid")
    elif fate < 0.08:
        first = max(1, int(total * rng.uniform(0.4, 0.9)))
        payments.append((issued + int((due - issued) * rng.uniform(0.3, 1.0)), first))
        life.scenario(payments[0][0], "partial_payment")
        if rng.random() < 0.4:
            payments.append((due + rng.randint(5, 40) * DAY, total - first))
    elif fate < 0.08 + 0.6 * cust.pays_late:
        payments.append((due + rng.randint(3, 45) * DAY, total))
        life.scenario(due + DAY, "late_payment")
    else:
        payments.append((issued + int((due - issued) * rng.uniform(0.2, 1.0)), total))
    head = {"invoice_no": invoice_no, "order_ref": life.order_no, "shipment_ref": shipment_no,
            "customer_id": cust.id, "currency": "USD", "issued_at": iso(issued),
            "due_date": date_of(due), "terms": f"NET{cust.terms_days}", "lines": lines}
    life.records.append(Invoice(invoice_no, life.order_no, head, total, issued, payments))
    for k, (at, amount) in enumerate(payments):
        pid = f"PMT-{seq * 8 + wave_no * 2 + k:08d}"
        life.records.append(Static("finance", "payments", pid, life.order_no, at, {
            "payment_id": pid, "invoice_no": invoice_no, "order_ref": life.order_no,
            "amount": money(amount), "method": rng.choice(("ACH", "ACH", "CHECK", "CARD", "WIRE")),
            "received_at": iso(at)}))
        life.fact(at, "paid", None, 0, amount)
    return invoice_no


def _return(rng: random.Random, life: Any, wh: Any, seq: int, delivered: int,
            items: list[tuple[dict[str, Any], int]], invoice_no: str | None) -> None:
    requested = delivered + rng.randint(2, 20) * DAY
    rma_no = f"RMA-{seq:07d}"
    chosen = [(ln, rng.randint(1, q)) for ln, q in items[: rng.randint(1, len(items))]]
    reason = rng.choice(("damaged", "wrong_item", "not_needed", "defective"))
    life.scenario(requested, "returned")
    received = requested + rng.randint(3, 10) * DAY if rng.random() < 0.9 else None
    credited = None
    if received is not None:
        task_id = f"T{seq * 10 + 9:09d}"
        lines = [{"ref_line": ln["line_no"], "sku": ln["sku"], "qty_requested": q, "qty_done": q}
                 for ln, q in chosen]
        life.records.append(Task(task_id, life.order_no, {
            "task_id": task_id, "type": "RETURN_RECEIPT", "warehouse": wh.code, "zone": "R",
            "order_ref": life.order_no, "rma_ref": rma_no, "shipment_no": None,
            "assigned_to": PICKERS[rng.randrange(len(PICKERS))]}, lines,
            requested + HOUR, received - rng.randint(10, 60) * MINUTE, received, None))
        for ln, q in chosen:
            life.fact(received, "returned", ln["line_no"], q)
        if rng.random() < 0.75:
            credited = received + rng.randint(1, 7) * DAY
            cn = f"CN-{seq:07d}"
            cn_lines = [{"line_ref": ln["line_no"], "sku": ln["sku"], "qty": q,
                         "unit_price": money(ln["unit"]), "amount": money(q * ln["unit"])}
                        for ln, q in chosen]
            amount = sum(q * ln["unit"] for ln, q in chosen)
            life.records.append(Static("finance", "credit-notes", cn, life.order_no, credited, {
                "credit_note_no": cn, "order_ref": life.order_no, "rma_ref": rma_no,
                "invoice_no": invoice_no, "issued_at": iso(credited), "reason": "return",
                "lines": cn_lines, "amount": money(amount)}))
            for ln, q in chosen:
                life.fact(credited, "credited", ln["line_no"], q, q * ln["unit"])
        else:
            life.scenario(received + 7 * DAY, "return_not_credited")
    life.records.append(Rma(rma_no, life.order_no, {
        "rma_no": rma_no, "order_no": life.order_no, "reason": reason,
        "lines": [{"line_no": ln["line_no"], "sku": ln["sku"], "qty": q} for ln, q in chosen]},
        requested, received + rng.randint(1, 4) * HOUR if received else None,
        credited + HOUR if credited else None))
