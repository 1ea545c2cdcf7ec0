"""One order's whole life, decided up front from the day's random stream.

`simulate_order` returns the records each system will show for the order (ERP order and RMA,
WMS tasks and ship confirms, carrier scans, invoices, payments, credit notes), the ground-truth
facts with the time each becomes visible, and the exception-worthy scenarios it produced.
The carrier and finance halves live in `lifecycle.py` to keep each module readable.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tower.sandbox import lifecycle
from tower.sandbox.records import Rec, SalesOrder, Task, money
from tower.sandbox.world import (
    CONGESTED,
    CREDIT_DRAG_HOURS,
    CREDIT_HOLD_MEAN_HOURS,
    CREDIT_OFFICERS,
    DAY,
    HOUR,
    MINUTE,
    PICKERS,
    World,
    date_of,
    iso,
    next_work_time,
)

CHANNELS = ("web", "edi", "sales_rep")
CAUSE_PREFIX = "cause:"


@dataclass
class Life:
    order_no: str
    seq: int
    placed: int
    warehouse: str
    customer_id: str
    channel: str
    lines: list[dict[str, Any]]          # line_no, sku, qty, unit_price, list_price (cents)
    records: list[Rec] = field(default_factory=list)
    facts: list[tuple[int, str, int | None, int, int]] = field(default_factory=list)
    scenarios: list[tuple[int, str]] = field(default_factory=list)

    def fact(self, t: int, kind: str, line_no: int | None = None, qty: int = 0, amount: int = 0) -> None:
        self.facts.append((t, kind, line_no, qty, amount))

    def scenario(self, t: int, name: str) -> None:
        self.scenarios.append((t, name))

    def cause(self, t: int, name: str) -> None:
        """A ground-truth cause of lateness (slow lane, congestion, credit drag, backorder),
        kept with the scenarios under a prefix so the sim store's shape stays as it was."""
        self.scenarios.append((t, CAUSE_PREFIX + name))


def _expo(rng: random.Random, mean_ms: float) -> int:
    return int(rng.expovariate(1.0 / mean_ms))


def simulate_order(world: World, seq: int, placed: int, rng: random.Random) -> Life:
    cust = rng.choices(world.customers, cum_weights=world.cum_weights)[0]
    wh = world.warehouse_for(cust.region, rng)
    channel = rng.choices(CHANNELS, cust.channel_mix)[0]
    order_no = f"SO-{1000000 + seq}"
    po = (f"EDI-{cust.id[1:]}-{rng.randint(10000, 99999)}" if channel == "edi"
          else f"WEB{seq:08d}" if channel == "web" else f"PO-{rng.randint(100000, 999999)}")
    nlines = rng.choices((1, 2, 3, 4, 5, 6, 8), (30, 22, 16, 11, 8, 7, 6))[0]
    wrong_price = rng.random() < 0.04
    lines: list[dict[str, Any]] = []
    for line_no in range(1, nlines + 1):
        sku = world.skus[rng.randrange(len(world.skus))]
        qty = rng.choice((1, 1, 2, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 36, 50))
        unit = sku.list_price
        if wrong_price and line_no == 1:
            unit = int(unit * rng.choice((0.8, 0.85, 0.9, 1.1, 1.15, 1.25)))
        lines.append({"line_no": line_no, "sku": sku.sku, "description": sku.description,
                      "qty": qty, "unit": unit, "list": sku.list_price, "short_rate": sku.short_rate})
    life = Life(order_no, seq, placed, wh.code, cust.id, channel,
                [{k: ln[k] for k in ("line_no", "sku", "qty", "unit", "list")} for ln in lines])
    value = sum(ln["qty"] * ln["unit"] for ln in lines)
    if wrong_price:
        life.scenario(placed, "price_mismatch")

    history: list[tuple[int, dict[str, Any]]] = [(placed, {"event": "CREATED"})]
    t = placed + rng.randint(20, 150) * 1000
    history.append((t, {"event": "PRICED"}))
    # Credit check: risky customers and big orders get held; most holds are released.
    hold = None
    t += rng.randint(1, 5) * MINUTE
    ok_at: int | None = t
    cancel: tuple[int, str] | None = None
    if rng.random() < cust.risk * 0.7 + (0.04 if value > 400000 else 0.0):
        reason = rng.choice(("over_limit", "past_due", "new_account_review"))
        hold = {"t": t, "reason": reason, "amount": money(value)}
        history.append((t, {"event": "CREDIT_HOLD", "reason": reason, "amount": money(value)}))
        life.fact(t, "hold")
        if rng.random() < 0.78:
            released = next_work_time(wh.tz, t + _expo(rng, CREDIT_HOLD_MEAN_HOURS[reason] * HOUR))
            if released - t > CREDIT_DRAG_HOURS * HOUR:
                life.cause(released, "credit_hold_drag")
            hold.update(released_t=released, by=rng.choice(CREDIT_OFFICERS))
            history.append((released, {"event": "CREDIT_RELEASED", "by": hold["by"]}))
            life.fact(released, "release")
            # Its first sign is an aging hold (4 hours on), which a long review shows well
            # before the release: the scenario is due from whichever comes first.
            life.scenario(min(released, t + 4 * HOUR), "credit_hold_released")
            ok_at = released
        else:
            life.scenario(t, "credit_hold_unreleased")
            ok_at = None
            if rng.random() < 0.5:
                cancel = (t + rng.randint(3, 10) * DAY, "credit_refused")
    head = {"order_no": order_no, "customer_po": po,
            "customer": {"id": cust.id, "name": cust.name, "tier": cust.tier},
            "channel": channel, "warehouse": wh.code, "region": wh.region, "currency": "USD",
            "ordered_at": iso(placed), "requested_date": date_of(placed + rng.randint(2, 7) * DAY),
            "promised_at": iso(placed + rng.randint(3, 9) * DAY)}
    atp_t = None
    release_t = None
    waves: list[tuple[int, list[tuple[dict[str, Any], int]]]] = []
    if ok_at is not None:
        atp_t = ok_at + rng.randint(1, 8) * MINUTE
        short_lines = []
        expected = atp_t + rng.randint(2, 9) * DAY
        for ln in lines:
            short = 0
            if rng.random() < ln["short_rate"] * 1.5:
                short = ln["qty"] if ln["qty"] == 1 or rng.random() < 0.3 else rng.randint(1, ln["qty"] - 1)
            ln["_atp"] = {"qty_short": short, "expected_at": iso(expected)}
            if short:
                short_lines.append(ln)
                life.fact(atp_t, "short", ln["line_no"], short)
        confirmed = [{"line_no": ln["line_no"], "qty": ln["qty"] - ln["_atp"]["qty_short"]}
                     for ln in lines if ln["qty"] > ln["_atp"]["qty_short"]]
        if confirmed:
            history.append((atp_t, {"event": "ATP_CONFIRMED", "lines": confirmed}))
        if short_lines:
            life.scenario(atp_t, "atp_short")
            life.cause(atp_t, "backorder")
            history.append((atp_t, {"event": "ATP_SHORT", "expected_at": iso(expected), "lines": [
                {"line_no": ln["line_no"], "qty_allocated": ln["qty"] - ln["_atp"]["qty_short"],
                 "qty_short": ln["_atp"]["qty_short"]} for ln in short_lines]}))
        if confirmed:
            release_t = atp_t + rng.randint(5, 60) * MINUTE
            history.append((release_t, {"event": "RELEASED", "warehouse": wh.code}))
            waves.append((release_t, [(ln, ln["qty"] - ln["_atp"]["qty_short"]) for ln in lines
                                      if ln["qty"] > ln["_atp"]["qty_short"]]))
        if short_lines and rng.random() < 0.88:
            filled = expected + _expo(rng, 1.5 * DAY)
            history.append((filled, {"event": "BACKORDER_FILLED", "lines": [
                {"line_no": ln["line_no"], "qty": ln["_atp"]["qty_short"]} for ln in short_lines]}))
            for ln in short_lines:
                life.fact(filled, "short", ln["line_no"], -ln["_atp"]["qty_short"])
            waves.append((filled + rng.randint(5, 30) * MINUTE,
                           [(ln, ln["_atp"]["qty_short"]) for ln in short_lines]))
    for ln in lines:
        ln.setdefault("_atp", {"qty_short": 0, "expected_at": None})

    # Customer cancellations: before release, after release, or after picking began.
    cancel_mode = None
    if cancel is None and waves and rng.random() < 0.035:
        cancel_mode = rng.choice(("before_release", "before_pick", "after_pick", "after_pick"))
        if cancel_mode == "before_release":
            assert atp_t is not None  # waves exist only once stock was confirmed
            cancel = (atp_t + rng.randint(1, 4) * MINUTE, "customer_request")
            history[:] = [h for h in history if h[0] <= cancel[0]]
            waves = []

    # The first shipment is partial when part of the order was released and part backordered.
    partial_first = release_t is not None and any(ln["_atp"]["qty_short"] for ln in lines)
    wave_cancel = _run_waves(world, rng, life, wh, cust, waves, cancel_mode, history, seq,
                             partial_first)
    if wave_cancel is not None:
        cancel = wave_cancel
    if cancel is not None:
        # A backorder that would have been filled after the cancellation never is.
        life.facts = [f for f in life.facts if not (f[1] == "short" and f[3] < 0 and f[0] > cancel[0])]
        history.append((cancel[0], {"event": "CANCELLED", "reason": cancel[1]}))
        life.fact(cancel[0], "cancelled")
        life.scenario(cancel[0], "cancelled")
    erp_lines = [{"line_no": ln["line_no"], "sku": ln["sku"], "description": ln["description"],
                  "qty": ln["qty"], "uom": "EA", "unit_price": money(ln["unit"]),
                  "list_price": money(ln["list"]), "_atp": ln["_atp"]} for ln in lines]
    life.records.insert(0, SalesOrder(order_no, head, erp_lines, history, atp_t, hold,
                                      release_t, cancel))
    return life


def _run_waves(world: World, rng: random.Random, life: Life, wh: Any, cust: Any,
               waves: list[tuple[int, list[tuple[dict[str, Any], int]]]],
               cancel_mode: str | None, history: list, seq: int,
               partial_first: bool) -> tuple[int, str] | None:
    """WMS work for each release to the warehouse: pick, pack, ship confirm; then the carrier
    and finance halves of each shipment. Returns the cancellation if the customer cancelled
    once the warehouse had the order."""
    for wave_no, (released, items) in enumerate(waves):
        created = released + rng.randint(1, 3) * MINUTE
        jam = world.congestion(wh.code, created // DAY)
        # A congested warehouse's queue backs up for a day or more, not just for hours.
        backup = 1 + 8 * jam if jam >= CONGESTED else 1.0
        wait = _expo(rng, 40 * MINUTE * (1 + 6 * jam) * backup)
        if jam >= CONGESTED:
            life.cause(created, "congested_pick")
        started = next_work_time(wh.tz, created + wait)
        # Judged on the queueing wait alone: a night between shifts is not congestion.
        if wait > 4 * HOUR:
            life.scenario(started, "congested_pick")
        picked = started + int((5 + 4 * len(items)) * MINUTE * (1 + jam) * rng.uniform(0.6, 1.6))
        task_id = f"T{seq * 10 + wave_no * 3:09d}"
        head = {"task_id": task_id, "type": "PICK", "warehouse": wh.code,
                "zone": "ABCDEF"[rng.randrange(6)], "order_ref": life.order_no, "rma_ref": None,
                "shipment_no": None, "assigned_to": PICKERS[rng.randrange(len(PICKERS))]}
        pick_lines = [{"ref_line": ln["line_no"], "sku": ln["sku"], "qty_requested": q, "qty_done": q}
                      for ln, q in items]
        if wave_no == 0 and cancel_mode in ("before_pick", "after_pick"):
            if cancel_mode == "before_pick":
                at = created + max(MINUTE, (started - created) // 2)
                life.records.append(Task(task_id, life.order_no, head, pick_lines, created,
                                         None, None, at + rng.randint(1, 10) * MINUTE))
            else:
                at = started + max(MINUTE, (picked - started) // 2)
                for pl in pick_lines:
                    pl["qty_done"] = rng.randint(0, pl["qty_requested"])
                life.records.append(Task(task_id, life.order_no, head, pick_lines, created,
                                         started, None, at + rng.randint(1, 10) * MINUTE))
                life.scenario(at, "cancelled_after_pick")
            history[:] = [h for h in history if h[0] <= at]
            return (at, "customer_request")
        life.records.append(Task(task_id, life.order_no, head, pick_lines, created, started, picked, None))
        for pl in pick_lines:
            life.fact(picked, "picked", pl["ref_line"], pl["qty_done"])
        shipment_no = f"SH{seq * 4 + wave_no:08d}"
        pack_start = next_work_time(wh.tz, picked + _expo(rng, 20 * MINUTE * (1 + 3 * jam)))
        packed = pack_start + rng.randint(5, 25) * MINUTE
        pack_head = dict(head, task_id=f"T{seq * 10 + wave_no * 3 + 1:09d}", type="PACK",
                         shipment_no=shipment_no, assigned_to=PICKERS[rng.randrange(len(PICKERS))])
        life.records.append(Task(pack_head["task_id"], life.order_no, pack_head,
                                 [dict(pl) for pl in pick_lines], picked, pack_start, packed, None))
        shipped = next_work_time(wh.tz, packed + rng.randint(30, 300) * MINUTE)
        if wave_no == 0 and partial_first:
            life.scenario(shipped, "partial_shipment")
        lifecycle.ship(world, rng, life, wh, cust, seq, wave_no, shipment_no, shipped, items)
    return None
