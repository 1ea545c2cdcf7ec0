"""Idempotent re-evaluation, auto-resolve and reopen, escalation with a moved clock, people's
actions and their audit trail, team figures."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, events, hours, kinds, load, open_exceptions, order, reevaluate
from tower import clock
from tower.auth import users
from tower.evaluation.sweep import run_sweep
from tower.evaluation.worker import drain
from tower.rules.context import priority
from tower.store.exceptions import InvalidAction, act


def count(engine, sql: str) -> int:
    with engine.begin() as conn:
        return conn.execute(sa.text(sql)).scalar_one()


def test_re_evaluating_the_same_facts_changes_nothing_and_duplicates_nothing(engine):
    s = Story(list_prices=(12.0, 20.0)).short()
    load(engine, s.events, now=MON_9 + hours(30))
    before = (count(engine, "SELECT count(*) FROM exceptions"), count(engine, "SELECT count(*) FROM exception_events"))
    assert before[0] >= 2
    for _ in range(3):
        reevaluate(engine, MON_9 + hours(30))
    with engine.begin() as conn:  # re-ingesting the same batch is a no-op too
        from tower.store.ingest import ingest
        ingest(conn=conn, milestones=s.events)
    drain(engine, now=MON_9 + hours(30), policy=POLICY)
    after = (count(engine, "SELECT count(*) FROM exceptions"), count(engine, "SELECT count(*) FROM exception_events"))
    assert after == before


def test_an_exception_resolves_itself_when_the_condition_clears_and_reopens_when_it_recurs(engine):
    s = Story().credit_hold(0.1)
    load(engine, s.events, now=MON_9 + hours(6))
    ex = open_exceptions(engine)[("credit_hold_aging", "")]
    load(engine, s.add("erp", "credit_released", 6.5).events, now=MON_9 + hours(7))
    assert "credit_hold_aging" not in kinds(engine)
    load(engine, s.credit_hold(8).events, now=MON_9 + hours(30))   # Tue 15:00 CST: 4 business h on
    again = open_exceptions(engine)[("credit_hold_aging", "")]
    assert again["exception_id"] == ex["exception_id"] and again["reopen_count"] == 1
    trail = [(e["action"], e["actor"], e["from_status"], e["to_status"]) for e in events(engine, ex["exception_id"])]
    assert trail == [("opened", "rules", None, "open"), ("resolved", "rules", "open", "resolved"),
                     ("reopened", "rules", "resolved", "open")]
    assert all(e["policy_version"] == POLICY.version for e in events(engine, ex["exception_id"]))


def test_a_person_s_resolution_stands_until_the_facts_change(engine):
    s = Story(list_prices=(12.0, 20.0)).validated()
    load(engine, s.events, now=MON_9 + hours(1))
    ex = open_exceptions(engine)[("pricing_discrepancy", "line 1")]
    with engine.begin() as conn:
        act(conn=conn, exception_ids=[ex["exception_id"]], action="resolve", actor="lena",
            now=MON_9 + hours(2), reason="accepted_as_is")
    reevaluate(engine, MON_9 + hours(3))
    assert "pricing_discrepancy" not in kinds(engine)
    amended = dict(s.events[0]["attrs"])  # an amendment restates the whole order
    amended["lines"] = [dict(amended["lines"][0], unit_price=9.0), amended["lines"][1]]
    load(engine, s.add("erp", "amended", 4, attrs=amended).events, now=MON_9 + hours(5))
    assert open_exceptions(engine)[("pricing_discrepancy", "line 1")]["reopen_count"] == 1


def test_sla_state_and_escalation_follow_a_moved_clock(engine):
    # Placed Mon 09:00 CST, nothing validated; 'entered' has 4 office hours: at risk 12:00,
    # due (team lead) 13:00, manager 15:00.
    load(engine, Story().events, now=MON_9 + hours(1))
    o = order(engine)
    assert o["sla_state"] == "on_track" and o["next_check_at"] == MON_9 + hours(3)
    try:
        clock.set(MON_9 + hours(3.5))
        run_sweep(engine, policy=POLICY)
        assert order(engine)["sla_state"] == "at_risk"
        drain(engine, policy=POLICY)
        assert kinds(engine) == set()
        clock.set(MON_9 + hours(4.5))
        run_sweep(engine, policy=POLICY)
        drain(engine, policy=POLICY)
        ex = open_exceptions(engine)[("stage_overdue", "entered")]
        assert order(engine)["sla_state"] == "breached" and ex["escalation_tier"] == 1
        clock.set(MON_9 + hours(6.5))
        run_sweep(engine, policy=POLICY)
    finally:
        clock.reset()
    trail = [(e["action"], e["detail"].get("role"), e["detail"].get("to")) for e in events(engine, ex["exception_id"])]
    assert trail == [("opened", None, None), ("escalated", "team lead", "Maria Lopez"),
                     ("escalated", "manager", "Dan Reyes")]


def test_people_s_actions_follow_the_lifecycle_and_are_audited(engine):
    load(engine, Story(list_prices=(12.0, 20.0)).validated().events, now=MON_9 + hours(1))
    eid = open_exceptions(engine)[("pricing_discrepancy", "line 1")]["exception_id"]
    with engine.begin() as conn:  # an assignee must be a user who can sign in
        users.add(conn=conn, username="lena", password="long enough pass", role="cs")
    t = MON_9 + hours(2)
    steps = [
        dict(action="acknowledge"), dict(action="assign", assignee="lena"),
        dict(action="comment", comment="asked sales"), dict(action="start"),
        dict(action="snooze", snoozed_until=t + hours(5), reason="waiting_on_customer"),
        dict(action="hold", reason="waiting_on_supplier"),
        dict(action="resolve", reason="data_corrected"), dict(action="reopen", comment="not fixed"),
    ]
    with engine.begin() as conn:
        for i, step in enumerate(steps):
            assert act(conn=conn, exception_ids=[eid], actor="maria", now=t + timedelta(minutes=i), **step) == 1
        # Not allowed from the current state: nothing changes, nothing counted.
        assert act(conn=conn, exception_ids=[eid], action="reopen", actor="maria", now=t + hours(1)) == 0
    trail = [(e["action"], e["from_status"], e["to_status"], e["actor"]) for e in events(engine, eid)][1:]
    assert trail == [
        ("acknowledged", "open", "acknowledged", "maria"), ("assigned", "acknowledged", "acknowledged", "maria"),
        ("commented", "acknowledged", "acknowledged", "maria"), ("started", "acknowledged", "in_progress", "maria"),
        ("snoozed", "in_progress", "snoozed", "maria"), ("held", "snoozed", "on_hold", "maria"),
        ("resolved", "on_hold", "resolved", "maria"), ("reopened", "resolved", "open", "maria")]
    resolved = events(engine, eid)[7]
    assert resolved["reason"] == "data_corrected" and resolved["policy_version"] == POLICY.version


def test_a_snooze_ends_by_itself_at_its_time(engine):
    load(engine, Story(list_prices=(12.0, 20.0)).validated().events, now=MON_9 + hours(1))
    eid = open_exceptions(engine)[("pricing_discrepancy", "line 1")]["exception_id"]
    with engine.begin() as conn:
        act(conn=conn, exception_ids=[eid], action="acknowledge", actor="lena", now=MON_9 + hours(1))
        act(conn=conn, exception_ids=[eid], action="snooze", actor="lena", now=MON_9 + hours(1),
            snoozed_until=MON_9 + hours(3))
    run_sweep(engine, now=MON_9 + hours(2), policy=POLICY)
    assert open_exceptions(engine)[("pricing_discrepancy", "line 1")]["status"] == "snoozed"
    run_sweep(engine, now=MON_9 + hours(3), policy=POLICY)
    assert open_exceptions(engine)[("pricing_discrepancy", "line 1")]["status"] == "acknowledged"
    assert events(engine, eid)[-1]["action"] == "unsnoozed"


@pytest.mark.parametrize("kwargs, message", [
    (dict(action="fly"), "unknown action"), (dict(action="assign"), "needs an assignee"),
    (dict(action="comment"), "needs a comment"), (dict(action="snooze"), "needs snoozed_until"),
    (dict(action="snooze", snoozed_until=MON_9), "must be in the future"),
    (dict(action="acknowledge", actor=" "), "who is acting"),
])
def test_bad_actions_are_refused_plainly(engine, kwargs, message):
    args = dict(exception_ids=[1], actor="maria", now=MON_9 + hours(1)) | kwargs
    with engine.begin() as conn, pytest.raises(InvalidAction, match=message):
        act(conn=conn, **args)


def test_stored_priority_matches_the_documented_formula(engine):
    load(engine, Story().validated().released().events, now=MON_9 + hours(9))
    ex = open_exceptions(engine)[("queue_aging", "pick")]
    expected = priority(ex["severity"], float(ex["value_at_risk"]), ex["due_at"], ex["escalate_at"], MON_9 + hours(9))
    assert float(ex["priority"]) == pytest.approx(expected, abs=1e-3)


def test_lines_say_their_own_stage_for_a_partial_shipment(engine):
    s = Story().short(line=2, short=3).released().picked(only=1).packed(only=1).shipped(only=1)
    load(engine, s.events, now=MON_9 + hours(5))
    with engine.begin() as conn:
        lines = {r.line_no: r for r in conn.execute(sa.text(
            "SELECT line_no, stage, waiting_on, qty_open FROM order_lines ORDER BY line_no"))}
    assert lines[1].stage == "shipped" and float(lines[1].qty_open) == 0
    assert lines[2].stage == "backorder" and "short" in lines[2].waiting_on and float(lines[2].qty_open) == 3
    o = order(engine)
    assert o["owner_team"] == "inventory" and "waiting on stock for line 2" in o["waiting_on"]


def test_every_open_order_has_a_stage_waiting_on_owner_due_time_and_reason(engine):
    s = Story().credit_hold()
    load(engine, s.events, now=MON_9 + hours(1))
    o = order(engine)
    assert o["waiting_on"].startswith("credit hold since Mon 11/02 09:06 CST") and o["owner_team"] == "credit"
    assert o["due_at"] is not None and o["reason"].startswith("hold.credit_hold")
    assert o["reason_facts"]["rule"] == "hold.credit_hold" and o["policy_version"] == POLICY.version
    assert o["evaluated_at"] == MON_9 + hours(1)


def test_the_sweep_re_rates_priority_as_the_due_time_nears(engine):
    load(engine, Story(list_prices=(12.0, 20.0)).validated().events, now=MON_9 + hours(1))
    key = ("pricing_discrepancy", "line 1")
    first = open_exceptions(engine)[key]
    stored = lambda: float(open_exceptions(engine)[key]["priority"])  # noqa: E731
    expect = lambda t: priority(first["severity"], float(first["value_at_risk"]),  # noqa: E731
                                first["due_at"], first["escalate_at"], t)
    # Due Tue 17:00 CST (16 office hours). First sweep re-rates everything in the window...
    for t in (MON_9 + hours(23), MON_9 + hours(23) + timedelta(minutes=1),
              MON_9 + hours(24) + timedelta(minutes=1), MON_9 + hours(26.5)):
        run_sweep(engine, now=t, policy=POLICY)      # ... later ones only the hour ticks
        assert stored() == pytest.approx(expect(t), abs=1e-3), t
    assert stored() > float(first["priority"])
