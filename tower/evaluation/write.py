"""Write the rules' decisions for a batch onto `orders` and `order_lines` (set-based)."""

from __future__ import annotations

import json
from typing import Sequence

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.rules.facts import Outcome

_SQL = sqlfiles.load_psycopg(__file__, "write.sql", binary=True)
_ORDER_COLUMNS = ("order_id", "waiting_on", "owner_team", "due_at", "at_risk_at", "escalate_at",
                  "sla_state", "reason", "policy_version", "evaluated_at", "step_system",
                  "held_on", "next_check_at")


def write_outcomes(*, conn: Connection, outcomes: Sequence[Outcome]) -> int:
    """Update each outcome's order and lines; returns the number of orders written."""
    if not outcomes:
        return 0
    params: dict[str, list] = {c: [getattr(o, c) for o in outcomes] for c in _ORDER_COLUMNS}
    params["reason_facts"] = [json.dumps(o.reason_facts, default=str) for o in outcomes]
    lines: dict[str, list] = {k: [] for k in ("order_id", "line_no", "stage", "waiting_on", "qty_open",
                                               "qty_to_invoice", "qty_to_credit", "evaluated_at")}
    for o in outcomes:
        for ln in o.lines:
            for key, value in (("order_id", o.order_id), ("line_no", ln.line_no), ("stage", ln.stage),
                               ("waiting_on", ln.waiting_on), ("qty_open", ln.qty_open),
                               ("qty_to_invoice", ln.qty_to_invoice), ("qty_to_credit", ln.qty_to_credit),
                               ("evaluated_at", o.evaluated_at)):
                lines[key].append(value)
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["update_orders"], params)
        written = cur.rowcount
        if lines["order_id"]:
            cur.execute(_SQL["update_lines"], lines)
    return written
