"""Facts about the past write history, not alarms: a condition that opened and closed before
tower saw the facts is kept as history with its true times (or not at all, by policy), never
raised, escalated or counted in team figures; what the live system raised stays the record."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, events, hours, load, open_exceptions
from tower.data import teams
from tower.data.scope import Scope
from tower.evaluation.worker import drain
from tower.store.ingest import ingest

NOW = MON_9 + hours(24 * 10)


def history(engine, order_id: str = "SO-1") -> dict[tuple[str, str], dict]:
    with engine.begin() as conn:
        rows = conn.execute(sa.text("SELECT * FROM exceptions WHERE order_id = :o AND origin = 'history'"),
                            {"o": order_id}).mappings().all()
    return {(r["kind"], r["subject"]): dict(r) for r in rows}


def late_pick_delivered_late_after_a_delay() -> Story:
    # Released at 0.5 h, picked 30 h later (8 warehouse hours allowed), a carrier delay and a
    # delivery after the 48 h promise: all long over ten days later.
    return (Story().validated().released(0.5).picked(30.5).packed(31).shipped(32, promised=48)
            .scan("carrier_pickup", 33).scan("delayed", 40).scan("delivered", 60)
            .invoiced(61).paid(62))


def test_a_backfilled_late_pick_is_recorded_as_history_with_its_true_times(engine):
    load(engine, late_pick_delivered_late_after_a_delay().events, now=NOW)
    past = history(engine)
    assert set(past) == {("queue_aging", "pick"), ("carrier_delay", "SO-1-S1")}
    pick = past[("queue_aging", "pick")]
    assert pick["status"] == "resolved" and pick["resolved_at"] == MON_9 + hours(30.5)
    assert MON_9 + hours(0.5) < pick["opened_at"] < pick["resolved_at"]
    assert past[("carrier_delay", "SO-1-S1")]["opened_at"] == MON_9 + hours(40)
    assert open_exceptions(engine) == {}


def test_history_is_never_opened_escalated_or_auto_resolved_in_the_audit(engine):
    load(engine, late_pick_delivered_late_after_a_delay().events, now=NOW)
    for row in history(engine).values():
        assert [(e["actor"], e["action"]) for e in events(engine, row["exception_id"])] == [("history", "recorded")]


def test_history_does_not_count_in_team_figures(engine):
    load(engine, late_pick_delivered_late_after_a_delay().events, now=NOW)
    with engine.begin() as conn:
        figures = teams.summary(conn=conn, scope=Scope.everything(), now=NOW, at_risk=0.75)
    assert int(figures["resolved"].sum()) == 0 and int(figures["escalations"].sum()) == 0


def test_the_policy_can_skip_history_altogether(engine):
    skip = dataclasses.replace(POLICY, past_exceptions="skip")
    with engine.begin() as conn:
        ingest(conn=conn, milestones=late_pick_delivered_late_after_a_delay().events)
    drain(engine, now=NOW, policy=skip)
    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM exceptions")).scalar_one() == 0


def test_a_condition_the_live_system_raised_stays_the_live_record(engine):
    story = Story().validated().released(0.5)
    load(engine, story.events, now=MON_9 + hours(30))          # the pick is late, live
    live = open_exceptions(engine)[("queue_aging", "pick")]
    load(engine, Story().picked(30.5).events, now=MON_9 + hours(31))
    assert history(engine) == {}
    with engine.begin() as conn:
        status = conn.execute(sa.text("SELECT status FROM exceptions WHERE exception_id = :e"),
                              {"e": live["exception_id"]}).scalar_one()
    assert status == "resolved"


def test_a_stage_left_in_time_leaves_no_history(engine):
    load(engine, Story().through_delivery(delivered=30).invoiced(31).paid(32).events, now=NOW)
    assert history(engine) == {}


def test_an_order_on_a_backorder_is_not_judged_on_stage_lateness(engine):
    story = Story().short(0.2).released(0.5).picked(30.5)
    load(engine, story.events, now=MON_9 + timedelta(days=10))
    assert ("queue_aging", "pick") not in history(engine)


def test_history_cannot_be_reopened_as_if_it_were_work(engine):
    from tower.data.exceptions import act

    load(engine, late_pick_delivered_late_after_a_delay().events, now=NOW)
    ids = [r["exception_id"] for r in history(engine).values()]
    with engine.begin() as conn:
        assert act(conn=conn, exception_ids=ids, action="reopen", actor="ann", now=NOW) == 0



def test_a_live_condition_after_a_history_record_opens_a_live_exception_of_its_own(engine):
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO exceptions (order_id, kind, subject, severity, status, title, opened_at, resolved_at, "
            "resolution, origin) VALUES ('SO-1', 'queue_aging', 'pick', 'high', 'resolved', 'past', :a, :b, "
            "'history: opened and closed before tower saw the facts', 'history')"),
            {"a": MON_9 - hours(50), "b": MON_9 - hours(40)})
    load(engine, Story().validated().released(0.5).events, now=MON_9 + hours(30))
    live = open_exceptions(engine)[("queue_aging", "pick")]
    assert live["origin"] == "live" and live["reopen_count"] == 0
    assert [e["action"] for e in events(engine, live["exception_id"])][0] == "opened"
