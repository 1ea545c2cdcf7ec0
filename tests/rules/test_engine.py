"""The pure rules on hand-built facts: no database, same input, same decision."""

from datetime import datetime, timedelta, timezone

from tower.rules.engine import evaluate
from tower.rules.facts import OrderFacts, SourceFreshness
from tower.rules.policy import load

UTC = timezone.utc
POLICY = load()
MON_9 = datetime(2026, 11, 2, 15, 0, tzinfo=UTC)   # Monday 09:00 CST
FRESH = {s: SourceFreshness(s, MON_9, 1.0, 10.0, False) for s in ("erp", "wms", "carrier", "finance")}


def released(order_id="SO-1", warehouse="DAL-1", region="South", tier="gold") -> OrderFacts:
    line = dict(line_no=1, sku="A", qty_ordered=5, qty_allocated=5, qty_short=0, qty_picked=0,
                qty_packed=0, qty_shipped=0, qty_delivered=0, qty_invoiced=0, qty_returned=0,
                qty_credited=0, unit_price=10.0, list_price=10.0)
    ms = [dict(kind="placed", source="erp", source_event_id="1", occurred_at=MON_9, attrs={}),
          dict(kind="released", source="erp", source_event_id="2", occurred_at=MON_9, attrs={})]
    order = dict(order_id=order_id, status="open", stage="released", warehouse=warehouse, region=region,
                 customer_tier=tier, value=50.0, placed_at=MON_9, promised_at=MON_9 + timedelta(days=3),
                 credit_hold=False, is_partial=False, currency="USD")
    return OrderFacts(order=order, lines=[line], milestones=ms)


def test_the_same_facts_give_the_same_decision():
    a = evaluate(released(), POLICY, FRESH, MON_9 + timedelta(hours=9))
    b = evaluate(released(), POLICY, FRESH, MON_9 + timedelta(hours=9))
    assert (a.waiting_on, a.due_at, a.sla_state, a.reason, [f.fingerprint for f in a.findings]) == \
           (b.waiting_on, b.due_at, b.sla_state, b.reason, [f.fingerprint for f in b.findings])


def test_the_most_specific_override_sets_the_due_time():
    due = lambda **k: evaluate(released(**k), POLICY, FRESH, MON_9).due_at  # noqa: E731
    # DAL-1 works 06:00-22:00: gold 6 h (warehouse override), platinum 3 h (warehouse + tier).
    assert due(tier="gold") == MON_9 + timedelta(hours=6)
    assert due(tier="platinum") == MON_9 + timedelta(hours=3)
    # ATL-1 (07:00-19:00 Eastern = 12:00-24:00 UTC): base 8 h from 10:00 Eastern.
    assert due(warehouse="ATL-1", region="East") == MON_9 + timedelta(hours=8)


def test_the_decision_records_the_policy_version_and_its_reasons():
    out = evaluate(released(), POLICY, FRESH, MON_9 + timedelta(hours=5))
    assert out.policy_version == POLICY.version and out.sla_state == "at_risk"
    assert out.reason_facts["rule"] == "stage.released"
    assert out.reason_facts["overrides"] == ["warehouse=DAL-1"]
    assert out.waiting_on == "waiting on WMS pick at DAL-1 since Mon 11/02 09:00 CST"
    assert out.next_check_at == MON_9 + timedelta(hours=6)


def test_a_stale_source_makes_the_clock_uncertain_and_holds_its_exceptions_back():
    stale = dict(FRESH, wms=SourceFreshness("wms", MON_9, 47.0, 10.0, True))
    out = evaluate(released(), POLICY, stale, MON_9 + timedelta(hours=12))
    assert out.sla_state == "uncertain" and out.held_on == "wms"
    assert out.waiting_on.endswith(" · WMS data 47 min old")
    assert "queue_aging" in out.suppressed and not [f for f in out.findings if f.kind == "queue_aging"]


def shipped(order_id="SO-2") -> OrderFacts:
    facts = released(order_id)
    facts.order["stage"] = "shipped"
    facts.lines[0].update(qty_picked=5, qty_packed=5, qty_shipped=5)
    facts.milestones += [
        dict(kind="picked", source="wms", source_event_id="3", occurred_at=MON_9, attrs={}),
        dict(kind="packed", source="wms", source_event_id="4", occurred_at=MON_9, attrs={}),
        dict(kind="shipped", source="wms", source_event_id="5", occurred_at=MON_9, shipment_id="S1", attrs={})]
    return facts


def test_a_step_is_not_judged_while_a_system_of_a_later_stage_reads_a_backlog():
    # Waiting on carrier delivery, days past its SLA, the carrier fresh: breached and raised.
    late = MON_9 + timedelta(days=6)
    judged = evaluate(shipped(), POLICY, FRESH, late)
    assert judged.sla_state == "breached" and judged.held_on is None
    assert [f for f in judged.findings if f.kind == "stage_overdue"]
    # The same order while finance catches up: its invoice (a later stage) may be on the way.
    catching_up = dict(FRESH, finance=SourceFreshness("finance", MON_9, 900.0, 60.0, True, "catching_up"))
    held = evaluate(shipped(), POLICY, catching_up, late)
    assert held.sla_state == "uncertain" and held.held_on == "finance"
    assert "stage_overdue" in held.suppressed
    assert not [f for f in held.findings if f.kind == "stage_overdue"]
    # Neither does a system of an earlier stage (the ERP) catching up, nor finance being down
    # (an outage would otherwise mute every earlier step for as long as it lasts).
    erp = dict(FRESH, erp=SourceFreshness("erp", MON_9, 900.0, 60.0, True, "catching_up"))
    assert evaluate(shipped(), POLICY, erp, late).held_on is None
    down = dict(FRESH, finance=SourceFreshness("finance", MON_9, 900.0, 60.0, True, "down"))
    assert evaluate(shipped(), POLICY, down, late).held_on is None
