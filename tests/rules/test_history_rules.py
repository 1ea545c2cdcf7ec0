"""The pure history rules: which past lives an order's milestones tell, and when to look."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tower.rules.facts import OrderFacts
from tower.rules.history import facts_about_the_past, past_exceptions
from tower.rules.policy import load

POLICY = load()
EFF = POLICY.resolve(region="South", warehouse="DAL-1", customer_tier="gold")
T0 = datetime(2026, 11, 2, 15, 0, tzinfo=timezone.utc)   # Monday 09:00 in Dallas
NOW = T0 + timedelta(days=10)


def order(*events: tuple[str, float], promised: float = 48, **fields) -> OrderFacts:
    ms = [{"kind": k, "occurred_at": T0 + timedelta(hours=h), "recorded_at": NOW, "source": "x",
           "source_event_id": f"{k}{i}", "shipment_id": "S1" if k not in ("placed", "released", "picked") else None}
          for i, (k, h) in enumerate(events)]
    return OrderFacts(order={"order_id": "SO-1", "status": "closed", "promised_at": T0 + timedelta(hours=promised),
                             "evaluated_at": None, **fields},
                      milestones=ms, shipments=[{"shipment_id": "S1", "promised_delivery_at": T0 + timedelta(hours=promised)}])


def kinds(facts: OrderFacts) -> set[tuple[str, str]]:
    return {p.key for p in past_exceptions(facts, EFF, NOW)}


def test_a_delay_that_still_delivered_on_time_is_no_carrier_exception():
    on_time = order(("placed", 0), ("released", 0.5), ("picked", 2), ("shipped", 3), ("carrier_pickup", 4),
                    ("delayed", 10), ("delivered", 40))
    assert ("carrier_delay", "S1") not in kinds(on_time)
    late = order(("placed", 0), ("released", 0.5), ("picked", 2), ("shipped", 3), ("carrier_pickup", 4),
                 ("delayed", 10), ("delivered", 60))
    assert ("carrier_delay", "S1") in kinds(late)


def test_a_first_scan_long_after_the_ship_confirm_is_a_past_no_carrier_scan():
    past = past_exceptions(order(("placed", 0), ("released", 0.5), ("picked", 2), ("shipped", 3),
                                 ("carrier_pickup", 20), ("delivered", 40)), EFF, NOW)
    scan = next(p for p in past if p.kind == "no_carrier_scan")
    assert scan.opened_at == T0 + timedelta(hours=15) and scan.closed_at == T0 + timedelta(hours=20)
    assert scan.team == "transport" and scan.severity == "high"


def test_a_condition_still_open_now_is_left_to_the_live_rules():
    # Released, never picked: the pick is late now, which is live, not history.
    assert kinds(order(("placed", 0), ("released", 0.5))) == set()


def test_an_order_judged_on_time_with_no_late_fact_is_not_searched_for_history():
    judged = order(("placed", 0), evaluated_at=T0 + timedelta(hours=1), stale_before=[])
    judged.milestones[0]["recorded_at"] = T0 + timedelta(minutes=1)   # arrived as it happened
    assert not facts_about_the_past(judged)
    judged.milestones[0]["recorded_at"] = T0 + timedelta(hours=2)     # arrived late, after the judgement
    assert facts_about_the_past(judged)
    assert facts_about_the_past(order(("placed", 0)))                                   # never judged
    assert facts_about_the_past(order(("placed", 0), evaluated_at=NOW, stale_before=["wms"]))  # judged while held
