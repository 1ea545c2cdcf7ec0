"""Words a person understands: the "why" in sentences, one time zone per view, a delivery
never "on time" while a line is unshipped, passed dates flagged, both sides of a mismatch,
the flow-model version, snooze-until and escalation tier in the grid."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd

from tower.components.exception_panels import grid_rows, status_words
from tower.components.order_text import summary, where_is_it
from tower.components.sides import decided_by, sides, sides_text
from tower.components.why import plain_why
from tower.data import order_status
from tower.data.orders import TIMELINE_COLUMNS

NOW = datetime(2026, 11, 23, 20, 0, tzinfo=timezone.utc)
ATLANTA = "America/New_York"


def header(**kw) -> dict:
    base = {"order_id": "SO-7", "stage": "released", "status": "open", "evaluated_at": NOW,
            "owner_team": "inventory", "owner_team_name": "Inventory planning", "sla_state": "breached",
            "policy_version": "2026.11-1+abc", "promised_at": NOW + timedelta(days=2), "value": 10,
            "currency": "USD"}
    return {**base, **kw}


def backorder_facts(**kw) -> dict:
    base = {"rule": "hold.backorder", "started_at": "2026-11-19T15:00:00+00:00", "clock": "office",
            "sla_hours": 48, "used_hours": 73.8, "due_at": "2026-11-21T15:00:00+00:00",
            "policy_version": "2026.11-1+abc"}
    return {**base, **kw}


def test_why_reads_as_sentences_without_engine_text():
    text = plain_why(header(reason_facts=backorder_facts(), reason="hold.backorder: 73.8 of 48 h used on office"),
                     tz=ATLANTA, now=NOW)
    assert "hold.backorder" not in text and "used on office" not in text
    assert text.startswith("Waiting on stock for a backordered line since 19 Nov 2026 10:00 EST")
    assert "Inventory planning owns the next action" in text
    assert "allowed 48 office working hours; it was due 21 Nov 2026 10:00 EST and is late" in text


def test_why_names_the_flow_model_version_that_decided():
    assert plain_why(header(reason_facts=backorder_facts()), tz=ATLANTA, now=NOW).endswith(
        "Decided by flow model 2026.11-1+abc.")


def test_a_due_date_clock_is_told_as_a_date_not_as_hours_used():
    facts = {"rule": "stage.shipped", "started_at": "2026-11-20T15:00:00+00:00", "clock": "due date",
             "sla_hours": 0.467791, "used_hours": 1194.7, "due_at": "2026-11-22T23:59:59+00:00"}
    text = plain_why(header(stage="shipped", reason_facts=facts), tz=ATLANTA, now=NOW)
    assert "0.467791" not in text and "1194.7" not in text
    assert "The promised delivery date is 22 Nov 2026 18:59 EST — it has passed." in text


def test_why_says_alerts_are_held_back_while_the_deciding_source_is_stale():
    facts = {"rule": "stage.released", "started_at": "2026-11-23T15:00:00+00:00", "held_on": "wms"}
    text = plain_why(header(sla_state="uncertain", reason_facts=facts), tz=ATLANTA, now=NOW)
    assert "WMS data is not up to date" in text and "held back until WMS has caught up" in text


def test_a_promised_date_that_has_passed_on_an_undelivered_order_is_flagged():
    late = where_is_it(header(promised_at=NOW - timedelta(hours=3)), tz=ATLANTA, now=NOW)
    assert late.promised.endswith("— passed, not delivered yet")
    delivered = where_is_it(header(stage="delivered", promised_at=NOW - timedelta(hours=3)), tz=ATLANTA, now=NOW)
    assert "passed" not in delivered.promised


def test_an_expected_delivery_that_has_passed_is_flagged_in_the_customer_status():
    ships = pd.DataFrame([{"shipment_id": "S1", "carrier": "UPS", "tracking_no": "1Z", "delivered_at": pd.NaT,
                           "shipped_at": NOW - timedelta(days=3), "last_scan_kind": "in_transit",
                           "last_scan_at": NOW - timedelta(days=2), "estimated_delivery_at": NOW - timedelta(hours=5),
                           "promised_delivery_at": NOW - timedelta(hours=5)}])
    text = summary(header(stage="shipped"), ships, pd.DataFrame(columns=["invoice_no"]), pd.DataFrame([{}]),
                   tz=ATLANTA, now=NOW)
    assert "(that time has passed)" in text


def _timeline(*kinds: str) -> pd.DataFrame:
    rows = [{"occurred_at": NOW - timedelta(hours=10 - i), "recorded_at": NOW, "kind": k, "source": s,
             "source_event_id": k, "line_no": None, "shipment_id": None, "invoice_id": None,
             "payment_id": None, "return_id": None, "attrs": {}} for i, (k, s) in enumerate(kinds)]
    frame = pd.DataFrame(rows, columns=TIMELINE_COLUMNS)
    frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], utc=True)
    return frame


def test_a_delivery_is_never_on_time_while_a_line_has_not_shipped():
    tl = _timeline(("placed", "erp"), ("released", "erp"), ("picked", "wms"), ("shipped", "wms"),
                   ("delivered", "carrier"))
    lines = pd.DataFrame([{"line_no": 1, "qty_ordered": 5, "qty_shipped": 5},
                          {"line_no": 2, "qty_ordered": 3, "qty_shipped": 0}])
    plan = order_status.plan_vs_actual(header(stage="delivered"), tl, pd.DataFrame(columns=["promised_delivery_at"]),
                                       pd.DataFrame(columns=["due_at"]), now=NOW, lines=lines).set_index("step")
    assert plan.loc["delivered", "state"] == "partly"
    assert "not shipped yet: line 2 (0 of 3)" in plan.loc["delivered", "note"]
    whole = order_status.plan_vs_actual(header(stage="delivered"), tl, pd.DataFrame(columns=["promised_delivery_at"]),
                                        pd.DataFrame(columns=["due_at"]), now=NOW,
                                        lines=lines.assign(qty_shipped=[5, 3])).set_index("step")
    assert whole.loc["delivered", "state"] == "on time"


def test_a_mismatch_shows_what_each_system_says():
    detail = {"sides": [{"system": "erp", "says": "ordered 10 on line 1", "at": "2026-11-20T15:00:00+00:00"},
                        {"system": "wms", "says": "shipped 8 on line 1", "at": None}]}
    assert sides(detail, tz=ATLANTA) == ["ERP says: ordered 10 on line 1 (20 Nov 2026 10:00 EST)",
                                         "WMS says: shipped 8 on line 1"]
    assert sides_text({}, tz=ATLANTA) == "—"


def test_history_says_it_was_recorded_not_raised():
    assert decided_by("v1", "history").startswith("Recorded as history")
    assert decided_by("v1", "live") == "Raised by the rules under flow model v1"


def test_the_grid_shows_the_snooze_until_time_and_who_it_was_escalated_to():
    assert status_words("snoozed", NOW, ATLANTA) == "Snoozed until 23 Nov 2026 15:00 EST"
    frame = pd.DataFrame([{"exception_id": 1, "priority": 3.0, "severity": "high", "title": "t", "order_id": "SO-7",
                           "status": "snoozed", "snoozed_until": NOW, "escalation_tier": 2, "sla_state": "breached",
                           "team_name": "Warehouse", "team_id": "w", "assignee": None, "warehouse": "ATL-1",
                           "region": "East", "age_hours": 1.0, "opened_at": NOW, "due_at": NOW,
                           "value_at_risk": 1.0, "condition_since": NOW - timedelta(days=20)}])
    row = grid_rows(frame, "UTC", {"ATL-1": ATLANTA})[0]
    assert row["since"] == "03 Nov 2026 15:00 EST" and row["opened"] == "23 Nov 2026 15:00 EST"
    assert row["status_text"] == "Snoozed until 23 Nov 2026 15:00 EST" and row["tier_text"] == "manager"
