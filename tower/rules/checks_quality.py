"""Data-quality rules: facts that contradict each other, raised so a person fixes the source
instead of the figures silently absorbing them. Pure, like every rule.

The duration KPIs leave the same out-of-order pairs out of their percentiles (a negative span);
the KPI registry says so in each definition (tower/kpis/registry.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tower.milestones import KINDS
from tower.rules.calendar import wall_add
from tower.rules.context import Ctx

# The backbone of the flow: each of these happens once per order (first occurrence counts),
# and never before the one to its left. A later kind stamped earlier is a contradiction.
BACKBONE = ("placed", "released", "shipped", "delivered")
WORDS = {"placed": "placement", "released": "release to the warehouse (approval)",
         "shipped": "carrier hand-over (shipment)", "delivered": "delivery"}


def _first(ctx: Ctx, kind: str) -> dict[str, Any] | None:
    """The earliest milestone of `kind` whose time the source recorded (an importer's stamped
    time, attrs time_known false, proves nothing about order)."""
    best = None
    for m in ctx.facts.milestones:
        if m["kind"] != kind or m.get("time_unknown"):
            continue
        if best is None or (m["occurred_at"], m.get("source_event_id", "")) < (
                best["occurred_at"], best.get("source_event_id", "")):
            best = m
    return best


def _named(m: dict[str, Any]) -> str:
    """'import event o-123:shipped:9a (via EDI 856 from partner acme)': the source and the event."""
    via = f" via {m['via']}" + (f" from {m['via_from']}" if m.get("via_from") else "") if m.get("via") else ""
    return f"{m['source']} event {m.get('source_event_id') or '?'}{via}"


def _event(m: dict[str, Any]) -> dict[str, Any]:
    at: datetime = m["occurred_at"]
    return {"kind": m["kind"], "label": KINDS[m["kind"]].label, "source": m["source"],
            "source_event_id": m.get("source_event_id"), "occurred_at": at.isoformat(),
            "via": m.get("via"), "via_from": m.get("via_from")}


def milestones_out_of_order(ctx: Ctx) -> None:
    """A step of the flow reported before the step it follows (a carrier hand-over before the
    approval, a delivery before the hand-over): one exception per pair, naming both events and
    their sources."""
    present = [(k, m) for k in BACKBONE if (m := _first(ctx, k)) is not None]
    for (kind_a, a), (kind_b, b) in zip(present, present[1:]):
        if b["occurred_at"] >= a["occurred_at"]:
            continue
        gap_hours = (a["occurred_at"] - b["occurred_at"]).total_seconds() / 3600
        ctx.raise_(
            "milestones_out_of_order", f"{kind_a}>{kind_b}",
            f"{WORDS[kind_b][0].upper()}{WORDS[kind_b][1:]} at {ctx.local_label(b['occurred_at'])} is "
            f"{gap_hours:.1f} h before {WORDS[kind_a]} at {ctx.local_label(a['occurred_at'])}",
            {"facts": {"before": _event(a), "after": _event(b), "gap_hours": round(gap_hours, 2)},
             "sides": [{"system": a["source"], "says": f"{_named(a)}: {KINDS[kind_a].label}",
                        "at": a["occurred_at"].isoformat()},
                       {"system": b["source"], "says": f"{_named(b)}: {KINDS[kind_b].label}",
                        "at": b["occurred_at"].isoformat()}]},
            0.0, since=max(a["occurred_at"], b["occurred_at"]))


def order_without_lines(ctx: Ctx) -> None:
    """An open order placed more than `after_hours` ago that has no line with a quantity: it
    can never be validated, picked or invoiced, so it would wait on the ERP for ever."""
    order = ctx.facts.order
    placed = order.get("placed_at")
    if order["status"] != "open" or placed is None:
        return
    if any(float(ln.get("qty_ordered") or 0) > 0 for ln in ctx.facts.lines):
        return
    lineless = wall_add(placed, ctx.param("order_without_lines", "after_hours", 1))
    if not ctx.reached(lineless):
        return
    source = (ctx.facts.latest("placed") or {}).get("source", "erp")
    ctx.raise_("order_without_lines", "",
               f"Placed {ctx.local_label(placed)} with no order lines",
               {"facts": {"placed_at": placed.isoformat(), "lines": len(ctx.facts.lines), "source": source},
                "sides": [{"system": source, "says": "no line with a quantity", "at": placed.isoformat()}]},
               float(order.get("value") or 0), since=lineless)


RULES = (milestones_out_of_order, order_without_lines)
