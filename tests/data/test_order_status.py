"""The order page's reading of an order: plan vs actual, gaps, summary (pure functions)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from tower.components.order_text import summary, where_is_it
from tower.data import order_status
from tower.data.orders import TIMELINE_COLUMNS

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=timezone.utc)


def _timeline(*events: tuple[str, str, float]) -> pd.DataFrame:
    rows = [{"occurred_at": NOW - timedelta(hours=h), "recorded_at": NOW, "kind": k, "source": s,
             "source_event_id": f"{s}-{k}", "line_no": None, "shipment_id": None, "invoice_id": None,
             "payment_id": None, "return_id": None, "attrs": {}} for k, s, h in events]
    frame = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def _header(**kw) -> dict:
    base = {"order_id": "SO-1", "customer_po": "PO-9", "customer_name": "Acme", "stage": "shipped",
            "status": "open", "value": 120, "currency": "USD", "promised_at": NOW - timedelta(hours=2),
            "due_at": None, "evaluated_at": None, "waiting_on": None, "owner_team": None}
    return {**base, **kw}


EMPTY_SHIPMENTS = pd.DataFrame(columns=["promised_delivery_at"])
EMPTY_INVOICES = pd.DataFrame(columns=["due_at"])


def test_a_step_its_system_never_reported_is_shown_as_a_gap():
    tl = _timeline(("placed", "erp", 50), ("released", "erp", 40), ("shipped", "wms", 10))
    plan = order_status.plan_vs_actual(_header(), tl, EMPTY_SHIPMENTS, EMPTY_INVOICES, now=NOW)
    state = dict(zip(plan["step"], plan["state"]))
    assert state["picked"] == "not reported"
    assert "WMS never reported" in plan.set_index("step").loc["picked", "note"]
    assert state["shipped"] == "done"
    assert state["delivered"] == "overdue"  # promised two hours ago, not delivered
    assert state["paid"] == "to come"


def test_a_delivery_after_the_promise_is_late_and_one_before_is_on_time():
    tl = _timeline(("placed", "erp", 50), ("delivered", "carrier", 1))
    late = order_status.plan_vs_actual(_header(), tl, EMPTY_SHIPMENTS, EMPTY_INVOICES, now=NOW)
    assert late.set_index("step").loc["delivered", "state"] == "late"
    early = order_status.plan_vs_actual(_header(promised_at=NOW), tl, EMPTY_SHIPMENTS, EMPTY_INVOICES, now=NOW)
    assert early.set_index("step").loc["delivered", "state"] == "on time"


def test_silences_longer_than_a_day_are_gaps_and_an_open_orders_quiet_tail_counts():
    tl = _timeline(("placed", "erp", 100), ("released", "erp", 99), ("picked", "wms", 60))
    gaps = order_status.silences(tl, now=NOW, open_order=True)
    assert gaps["hours"].round().tolist() == [39.0, 60.0]
    assert gaps["ongoing"].tolist() == [False, True]
    assert order_status.silences(tl, now=NOW, open_order=False)["hours"].round().tolist() == [39.0]


def test_rules_fields_read_not_evaluated_yet_until_the_rules_ran():
    w = where_is_it(_header(), tz="America/Chicago")
    assert w.waiting_on == w.owner == w.due_by == "not evaluated yet"
    ran = where_is_it(_header(evaluated_at=NOW, waiting_on="waiting on carrier delivery",
                              owner_team="transport", owner_team_name="Transport", due_at=NOW), tz="America/Chicago")
    assert ran.waiting_on == "waiting on carrier delivery" and ran.owner == "Transport"
    assert ran.due_by == "10 Mar 2026 10:00 CDT"


def test_the_copy_status_summary_names_po_tracking_and_next_step():
    ships = pd.DataFrame([{"shipment_id": "S1", "carrier": "UPS", "tracking_no": "1Z99", "delivered_at": pd.NaT,
                           "shipped_at": pd.Timestamp(NOW - timedelta(hours=5)), "last_scan_kind": "in_transit",
                           "last_scan_at": pd.Timestamp(NOW - timedelta(hours=1)), "estimated_delivery_at": pd.NaT,
                           "promised_delivery_at": pd.Timestamp(NOW + timedelta(days=1))}])
    lines = pd.DataFrame({"line_no": [1, 2]})
    text = summary(_header(evaluated_at=NOW, waiting_on="waiting on carrier delivery", sla_state="on_track"),
                   ships, pd.DataFrame(columns=["invoice_no"]), lines, tz="UTC", now=NOW)
    assert text.startswith("Order SO-1 (your PO PO-9) for Acme: 2 lines, USD 120.00.")
    assert "via UPS, tracking 1Z99" in text and "last carrier scan 'in transit'" in text
    assert "Next: waiting on carrier delivery — on track." in text
