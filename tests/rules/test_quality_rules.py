"""The data-quality rules on hand-built facts: steps of the flow reported out of order, and
orders without lines."""

from datetime import timedelta

from tests.rules.test_engine import FRESH, MON_9, POLICY, released
from tower.rules.engine import evaluate


def _quality(facts, hours: float = 2):
    out = evaluate(facts, POLICY, FRESH, MON_9 + timedelta(hours=hours))
    return [f for f in out.findings if f.kind in ("milestones_out_of_order", "order_without_lines")]


def test_a_shipment_before_the_release_raises_one_exception_naming_both_events_and_their_sources():
    facts = released()
    facts.milestones.append(dict(kind="shipped", source="wms", source_event_id="9", occurred_at=MON_9 - timedelta(hours=3),
                                 attrs={}, via="edi", via_from="acme-3pl"))
    (found,) = _quality(facts)
    assert found.subject == "released>shipped" and found.team == "integrations"
    assert found.title.startswith("Carrier hand-over (shipment) at ") and "3.0 h before release" in found.title
    before, after = found.detail["facts"]["before"], found.detail["facts"]["after"]
    assert (before["source"], before["source_event_id"], after["source"], after["source_event_id"]) == \
        ("erp", "2", "wms", "9")
    assert "wms event 9 via edi from acme-3pl" in found.detail["sides"][1]["says"]


def test_a_delivery_before_the_hand_over_is_its_own_pair_and_steps_in_order_raise_nothing():
    facts = released()
    facts.milestones += [dict(kind="shipped", source="wms", source_event_id="3", occurred_at=MON_9 + timedelta(hours=5),
                              attrs={}),
                         dict(kind="delivered", source="carrier", source_event_id="4",
                              occurred_at=MON_9 + timedelta(hours=4), attrs={})]
    assert [f.subject for f in _quality(facts, 6)] == ["shipped>delivered"]
    facts.milestones[-1]["occurred_at"] = MON_9 + timedelta(hours=5)  # the same instant is not out of order
    assert _quality(facts, 6) == []


def test_a_time_the_source_did_not_record_proves_nothing_about_order():
    facts = released()
    facts.milestones.append(dict(kind="shipped", source="import", source_event_id="9",
                                 occurred_at=MON_9 - timedelta(hours=3), attrs={}, time_unknown=True))
    assert _quality(facts) == []


def test_an_open_order_without_lines_raises_an_exception_after_its_grace_hour():
    facts = released()
    facts.lines.clear()
    assert _quality(facts, 0.5) == []
    (found,) = _quality(facts, 2)
    assert found.kind == "order_without_lines" and found.team == "order-desk"
    assert "with no order lines" in found.title
    facts.order["status"] = "cancelled"
    assert _quality(facts, 2) == []
