"""Anomalous invoice discrepancies: a second flag kind under the same decision rights and review.

Each invoice issued in the risk model's window is compared, set-based in SQL
(invoices.sql), with what it should bill: per line, the quantity its shipment carried (or the
line's shipped quantity when it names no shipment) at the order line's price, and its header
total with its own lines. The discrepancy is the money in those gaps; the score is how large it
is against what the invoice should bill, r / (r + 2%) for a relative gap r — 0.5 at 2%, 0.83 at
10% — so cent rounding scores near nothing and a wrong line of a small order scores high. An
order's flag carries its worst invoice, with the reasons in words. The flags go through
tower/risk/flags.py like the SLA-miss risk: recommend / act / escalate per score band of
`decision_rights.invoice_discrepancy`, audited, reviewed on /review; a flag expires when its
order no longer shows a discrepancy. The method's version (METHOD_VERSION) is what every flag
and automated action names as its model version.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.risk import flags
from tower.rules.policy import Policy

_SQL = sqlfiles.load(__file__, "invoices.sql")
KIND = flags.INVOICE_KIND
METHOD_VERSION = "invoice-check-1"
SCALE = 0.02     # the relative gap scored 0.5
NOISE = 0.05     # money below this in all gaps of an invoice is rounding, not a discrepancy


@dataclass
class InvoiceResult:
    invoices: int = 0     # invoices with a discrepancy above rounding
    orders: int = 0       # their orders
    flags: flags.ApplyResult = field(default_factory=flags.ApplyResult)


def score(gap: float, expected: float) -> float:
    """The discrepancy score of `gap` money against `expected` (0-1)."""
    relative = gap / max(abs(expected), 1.0)
    return relative / (relative + SCALE)


def reasons(row: Any) -> list[dict[str, Any]]:
    """The discrepancy of one invoice in words, the largest part first."""
    out = []
    gap = row.qty_gap + row.price_gap + row.total_gap
    out.append({"text": f"invoice {row.invoice_no} bills {row.amount:,.2f} against {row.expected:,.2f} "
                        f"shipped x price", "cause": "invoice_total", "contribution": round(gap, 2)})
    for line in row.lines:
        qty, shipped = float(line["qty"] or 0), float(line["shipped"] or 0)
        price, ordered = line.get("unit_price"), line.get("ordered_price")
        if qty != shipped:
            value = abs(qty - shipped) * float(ordered if ordered is not None else price or 0)
            out.append({"text": f"line {line['line_no']}: billed {qty:g}, shipped {shipped:g} ({value:,.2f})",
                        "cause": "invoice_qty_mismatch", "contribution": round(value, 2)})
        if price is not None and ordered not in (None, 0) and abs(float(price) - float(ordered)) >= 0.005:
            pct = 100.0 * (float(price) - float(ordered)) / float(ordered)
            out.append({"text": f"line {line['line_no']}: priced {float(price):,.2f}, ordered at "
                                f"{float(ordered):,.2f} ({pct:+.1f}%)", "cause": "invoice_price_mismatch",
                        "contribution": round(abs(float(price) - float(ordered)) * qty, 2)})
    if row.total_gap >= NOISE:
        out.append({"text": f"header total {row.amount:,.2f} vs its lines {row.lines_total:,.2f}",
                    "cause": "invoice_header_total", "contribution": round(row.total_gap, 2)})
    out[1:] = sorted(out[1:], key=lambda r: -r["contribution"])
    return out


def check(*, conn: Connection, now: datetime, policy: Policy) -> InvoiceResult:
    """Score the invoices of the window and raise / upgrade / expire their flags (caller's
    transaction)."""
    since = now - timedelta(days=policy.risk_model.window_days)
    conn.execute(_SQL["register_method"], {
        "version": METHOD_VERSION, "kind": KIND, "now": now,
        "features": json.dumps(["qty_gap", "price_gap", "header_total_gap", "expected"]),
        "params": json.dumps({"scale": SCALE, "noise": NOISE})})
    rows = conn.execute(_SQL["discrepancies"], {"since": since, "now": now, "noise": NOISE}).all()
    worst: dict[str, flags.Scored] = {}
    for row in rows:
        s = score(row.qty_gap + row.price_gap + row.total_gap, row.expected)
        if row.order_id not in worst or s > worst[row.order_id].score:
            worst[row.order_id] = flags.Scored(row.order_id, s, reasons(row))
    rights = policy.decision_rights.get(KIND)
    result = InvoiceResult(invoices=len(rows), orders=len(worst))
    threshold = rights.threshold if rights else 1.0
    flagged = [s for s in worst.values() if s.score >= threshold]
    expired = conn.execute(_SQL["expire_absent"], {
        "kind": KIND, "order_ids": [s.order_id for s in flagged], "now": now,
        "policy_version": policy.version}).rowcount or 0
    result.flags = flags.apply(conn=conn, scored=flagged, rights=rights, model_version=METHOD_VERSION,
                               policy_version=policy.version, exception_spec=policy.exceptions.get(KIND, {}),
                               now=now, kind=KIND, expire=False)
    result.flags.expired = expired
    return result
