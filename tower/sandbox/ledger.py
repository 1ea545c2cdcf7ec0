"""Ground truth for tests: the ledger of published versions and the per-order truth.

`ledger_rows` turns the storage's version rows into dicts (what each system emitted).
`truth_rows` summarises each order from its simulated facts that are visible by `as_of`: the
quantities a perfect collector would have projected, money, scenarios, and how many of the
order's current records carry a malformed defect (those facts may be in dead letters instead).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any, Iterator

import orjson

from tower.sandbox import faults as F
from tower.sandbox.records import money
from tower.sandbox.simulate import CAUSE_PREFIX
from tower.sandbox.storage import Storage
from tower.sandbox.world import iso

_LINE_FACTS = {"short": "qty_short", "picked": "qty_picked", "shipped": "qty_shipped",
               "delivered": "qty_delivered", "invoiced": "qty_invoiced",
               "returned": "qty_returned", "credited": "qty_credited"}


def ledger_rows(storage: Storage, system: str, resource: str | None = None, after: int = 0,
                limit: int | None = None, with_record: bool = True) -> Iterator[dict[str, Any]]:
    for (seq, res, key, version, updated, published, order_no, defect, current,
         body) in storage.ledger(system, resource, after, limit):
        row = {"seq": seq, "system": system, "resource": res, "key": key, "version": version,
               "updated_at": iso(updated), "published_at": iso(published), "order_no": order_no,
               "defect": defect, "current": bool(current)}
        if with_record:
            row["record"] = orjson.loads(body)
        yield row


def defective_by_order(storage: Storage) -> dict[str, int]:
    """Orders whose *current* record versions are malformed, with how many."""
    counts: dict[str, int] = defaultdict(int)
    for system in F.SYSTEMS:
        for order_no, n in storage.conn(system).execute(
                "SELECT d.order_no, count(*) FROM defects d JOIN versions v ON v.resource = d.resource "
                "AND v.key = d.key AND v.version = d.version WHERE v.current = 1 GROUP BY d.order_no"):
            counts[order_no] += n
    return counts


def summarise(row: tuple, as_of_ms: int, defects: dict[str, int]) -> dict[str, Any]:
    order_no, _seq, placed, warehouse, customer_id, channel, lines_json, facts_json, scen_json = row
    lines = {ln["line_no"]: {"line_no": ln["line_no"], "sku": ln["sku"], "qty_ordered": ln["qty"],
                             **{name: 0 for name in _LINE_FACTS.values()},
                             "unit_price": money(ln["unit"]), "list_price": money(ln["list"])}
             for ln in json.loads(lines_json)}
    totals: defaultdict[str, int] = defaultdict(int)
    for at, kind, line_no, qty, amount in json.loads(facts_json):
        if at > as_of_ms:
            continue
        if kind in _LINE_FACTS:
            lines[line_no][_LINE_FACTS[kind]] += qty
        totals[kind] += 1
        totals[kind + "_amount"] += amount
    visible = {name for at, name in json.loads(scen_json) if at <= as_of_ms}
    causes = sorted(n[len(CAUSE_PREFIX):] for n in visible if n.startswith(CAUSE_PREFIX))
    scenarios = sorted(n for n in visible if not n.startswith(CAUSE_PREFIX))
    return {
        "order_no": order_no, "warehouse": warehouse, "customer_id": customer_id,
        "channel": channel, "placed_at": iso(placed),
        "cancelled": totals["cancelled"] > 0,
        "credit_hold": totals["hold"] > totals["release"],
        "lines": [lines[n] for n in sorted(lines)],
        "shipments": totals["shipment"], "invoices": totals["invoice"],
        "invoiced_amount": money(totals["invoiced_amount"]),
        "paid_amount": money(totals["paid_amount"]),
        "credited_amount": money(totals["credited_amount"]),
        "scenarios": scenarios,
        "late_causes": causes,
        "defective_records": defects.get(order_no, 0),
    }


def truth_rows(storage: Storage, as_of_ms: int, order_no: str | None = None, after: str = "",
               limit: int | None = None) -> Iterator[dict[str, Any]]:
    """Per-order ground truth as of `as_of_ms`, in order_no order, streamed."""
    conn = storage.conn("sim")
    defects = defective_by_order(storage)
    if order_no is not None:
        row = conn.execute("SELECT * FROM orders WHERE order_no = ? AND placed_ms <= ?",
                           (order_no, as_of_ms)).fetchone()
        if row:
            yield summarise(row, as_of_ms, defects)
        return
    left = limit
    while left is None or left > 0:
        chunk = 1000 if left is None else min(1000, left)
        rows = conn.execute("SELECT * FROM orders WHERE order_no > ? AND placed_ms <= ? "
                            "ORDER BY order_no LIMIT ?", (after, as_of_ms, chunk)).fetchall()
        for row in rows:
            yield summarise(row, as_of_ms, defects)
        if len(rows) < chunk:
            return
        after = rows[-1][0]
        if left is not None:
            left -= len(rows)
