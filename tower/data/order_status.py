"""The order page's reading of one order: planned vs actual per flow step, silent gaps, and
how fresh each source's view of it is.

Pure functions over what tower/data/orders.py returns (no I/O), so they are tested on hand-made
frames and the page stays thin.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd

from tower.data.freshness import SOURCE_LABELS

# The order-to-cash steps every order is expected to pass, the system that reports each, and
# whether the step is complete at its first (placed) or last (partial picks) occurrence.
FLOW: tuple[tuple[str, str, str], ...] = (
    ("placed", "erp", "Order placed"),
    ("released", "erp", "Released to warehouse"),
    ("picked", "wms", "Picked"),
    ("shipped", "wms", "Shipped"),
    ("delivered", "carrier", "Delivered"),
    ("invoiced", "finance", "Invoiced"),
    ("paid", "finance", "Paid"),
)
STAGE_ORDER = ["entered", "validated", "released", "picked", "packed", "shipped", "delivered", "invoiced", "paid"]
# Steps that are whole only when every line has passed them.
_PER_LINE = ("shipped", "delivered", "invoiced", "paid")
# Silence between two facts longer than this is shown as a gap on the timeline.
GAP_AFTER = timedelta(hours=24)

PLAN_COLUMNS = ["step", "label", "source", "planned_at", "actual_at", "state", "note"]


def _first(timeline: pd.DataFrame, kind: str, last: bool = False) -> pd.Timestamp | None:
    times = timeline.loc[timeline["kind"] == kind, "occurred_at"]
    if times.empty:
        return None
    return times.max() if last else times.min()


def _planned(step: str, header: dict, shipments: pd.DataFrame, invoices: pd.DataFrame,
             current_step: str | None) -> tuple[pd.Timestamp | None, str]:
    if step == "delivered":
        promised = shipments["promised_delivery_at"].dropna() if not shipments.empty else pd.Series(dtype=object)
        if header.get("promised_at") is not None:
            return pd.Timestamp(header["promised_at"]), "promised to the customer"
        if not promised.empty:
            return promised.max(), "carrier's promised delivery"
    if step == "paid" and not invoices.empty and invoices["due_at"].notna().any():
        return invoices["due_at"].max(), "invoice due date"
    if step == current_step and header.get("due_at") is not None:
        return pd.Timestamp(header["due_at"]), "due by (SLA)"
    return None, ""


def unshipped_lines(lines: pd.DataFrame | None) -> list[str]:
    """'line 2 (0 of 3)' for each line with quantity still to ship (ordered > shipped)."""
    if lines is None or lines.empty:
        return []
    out = []
    for r in lines.itertuples():
        ordered, shipped = float(r.qty_ordered or 0), float(r.qty_shipped or 0)
        if shipped < ordered:
            out.append(f"line {r.line_no} ({shipped:g} of {ordered:g})")
    return out


def plan_vs_actual(header: dict, timeline: pd.DataFrame, shipments: pd.DataFrame,
                   invoices: pd.DataFrame, *, now: datetime, lines: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per FLOW step: step, label, source (str); planned_at, actual_at (UTC or None);
    state ('on time' | 'late' | 'done' | 'partly' | 'overdue' | 'due' | 'not reported' |
    'to come' | 'cancelled'); note (str: where the plan comes from, or why the step is a gap).

    'not reported' is a gap: a later step has happened, so this one must have too, but the
    system that owns it never told tower (a missed or failed feed). 'partly': the step
    happened for some lines while others (`lines`, tower.data.orders.lines) are still to ship —
    a delivery is never "on time" while a line has not even shipped."""
    done = {step: _first(timeline, step, last=step not in ("placed", "released")) for step, _, _ in FLOW}
    reached = [i for i, (step, _, _) in enumerate(FLOW) if done[step] is not None]
    furthest = max(reached) if reached else -1
    current = next((step for step, _, _ in FLOW if done[step] is None), None)
    cancelled = header.get("status") == "cancelled"
    open_lines = unshipped_lines(lines)
    now_ts = pd.Timestamp(now)
    rows = []
    for i, (step, source, label) in enumerate(FLOW):
        planned, note = _planned(step, header, shipments, invoices, current)
        actual = done[step]
        if actual is not None and open_lines and step in _PER_LINE and not cancelled:
            state = "partly"
            note = f"not shipped yet: {', '.join(open_lines)}" + (f"; planned: {note}" if note else "")
        elif actual is not None:
            state = "done" if planned is None else ("on time" if actual <= planned else "late")
        elif cancelled:
            state, note = "cancelled", "order cancelled"
        elif i < furthest:
            state, note = "not reported", f"a later step happened; {SOURCE_LABELS[source]} never reported this one"
        elif planned is not None and planned < now_ts:
            state = "overdue"
        elif planned is not None:
            state = "due"
        else:
            state = "to come"
        rows.append({"step": step, "label": label, "source": source, "planned_at": planned,
                     "actual_at": actual, "state": state, "note": note})
    frame = pd.DataFrame(rows, columns=PLAN_COLUMNS)
    frame["planned_at"] = pd.to_datetime(frame["planned_at"], utc=True)
    frame["actual_at"] = pd.to_datetime(frame["actual_at"], utc=True)
    return frame


def silences(timeline: pd.DataFrame, *, now: datetime, open_order: bool,
             gap_after: timedelta = GAP_AFTER) -> pd.DataFrame:
    """Stretches with no fact for longer than `gap_after`. One row per gap: start, end (UTC),
    hours (float), ongoing (bool: the silence runs up to now on an open order)."""
    times = timeline["occurred_at"].sort_values().tolist()
    if open_order and times:
        times.append(pd.Timestamp(now))
    rows = []
    for i, (a, b) in enumerate(zip(times, times[1:])):
        if b - a > gap_after:
            rows.append({"start": a, "end": b, "hours": (b - a).total_seconds() / 3600,
                         "ongoing": open_order and i == len(times) - 2})
    return pd.DataFrame(rows, columns=["start", "end", "hours", "ongoing"])


def source_rows(header: dict, fresh: list[dict]) -> list[dict]:
    """`source_view` as plain dicts, from `freshness.source_rows` (no frame: the API's path)."""
    return [{"source": row["source"], "label": row["label"], "status": row["status"],
             "last_heard_at": header.get(f"{row['source']}_last_heard_at"),
             "last_success_at": row["last_success_at"], "age_seconds": row["age_seconds"]} for row in fresh]


def source_view(header: dict, fresh: pd.DataFrame) -> pd.DataFrame:
    """How fresh each source's view of this order is. One row per source: source, label,
    status (the source's freshness: fresh | stale | never | unknown), last_heard_at (the
    newest fact about this order from it, UTC), last_success_at (the source's last good poll,
    UTC), age_seconds (float)."""
    rows = source_rows(header, fresh.to_dict("records"))
    frame = pd.DataFrame(rows, columns=["source", "label", "status", "last_heard_at", "last_success_at", "age_seconds"])
    frame["last_heard_at"] = pd.to_datetime(frame["last_heard_at"], utc=True)
    return frame
