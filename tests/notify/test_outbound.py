"""End to end on loopback: exception changes in Postgres -> the outbox -> a real SMTP server
(aiosmtpd) and a real HTTP webhook receiver, with retries, dead letters, replay, quiet hours,
grouping, and digests whose figures the test computes itself from the raw tables."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, hours, load
from tower.config import NotifySettings
from tower.data import notifications as notification_data
from tower.notify import digest, dispatch
from tower.rules import notifications as rules
from tower.sandbox.mailbox import Mailbox, start_mail_server, start_webhook_receiver
from tower.store.exceptions import act

SECRET = "receiver-secret-for-tests"
AT = MON_9 + hours(4.5)        # Monday 13:30 CST: the order entered at 09:00 is past its 4 h


def policy_with(**section) -> object:
    notifications = rules.parse(section, team_ids={t["id"] for t in POLICY.teams}, teams=POLICY.teams,
                                default_tz="America/Chicago", kinds=list(POLICY.exceptions))
    return dataclasses.replace(POLICY, notifications=notifications)


ESCALATIONS = {"group_seconds": 60, "rules": [
    {"name": "escalations", "when": ["escalated"], "email": ["desk@example.test"], "webhook": ["ops"]}]}


@pytest.fixture
def mailbox(tmp_path):
    return Mailbox(tmp_path / "mailbox")


@pytest.fixture
def smtp(mailbox):
    controller = start_mail_server(mailbox)
    yield controller
    controller.stop()


@pytest.fixture
def receiver(mailbox):
    server = start_webhook_receiver(mailbox, {"ops": SECRET})
    yield server
    server.stop()


def settings_for(smtp_port: int | None, hook_port: int, **extra) -> NotifySettings:
    return NotifySettings(smtp_host="127.0.0.1" if smtp_port else None, smtp_port=smtp_port or 25,
                          smtp_from="tower@example.test",
                          webhooks={"ops": f"http://127.0.0.1:{hook_port}/hooks/ops"},
                          webhook_secrets={"ops": SECRET}, timeout_seconds=5, link_base="http://tower.test",
                          **extra)


def rows(engine, sql: str, **params) -> list[dict]:
    with engine.begin() as conn:
        return [dict(r) for r in conn.execute(sa.text(sql), params).mappings()]


def test_an_escalation_sends_exactly_one_email_and_one_signed_webhook(engine, mailbox, smtp, receiver):
    policy = policy_with(**ESCALATIONS)
    settings = settings_for(smtp.port, receiver.server_port)
    load(engine, Story().events, now=AT)
    assert {r["kind"] for r in rows(engine, "SELECT kind FROM notification_events")} >= {"raised", "escalated", "breached"}

    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT)
    early = dispatch.send_due(engine, settings=settings, now=AT + timedelta(seconds=30))
    assert early.sent == 0                                     # still collecting for the window
    sent = dispatch.send_due(engine, settings=settings, now=AT + timedelta(seconds=61))
    assert sent.sent == 2 and dispatch.send_due(engine, settings=settings, now=AT + hours(1)).sent == 0

    mails, hooks = mailbox.mails(), mailbox.webhooks()
    assert len(mails) == 1 and len(hooks) == 1
    assert mails[0]["to"] == ["desk@example.test"] and mails[0]["subject"].startswith("[tower] Escalated to the team lead: ")
    assert "SO-1" in mails[0]["body"] and "team lead" in mails[0]["body"]
    hook = hooks[0]
    expected = hmac.new(SECRET.encode(), f"{hook['timestamp']}.{hook['raw']}".encode(), hashlib.sha256).hexdigest()
    assert hook["signature"] == f"v1={expected}" and hook["verified"]
    body = json.loads(hook["raw"])
    assert [e["type"] for e in body["events"]] == ["exception.escalated"]
    assert body["events"][0]["exception"]["order_id"] == "SO-1" and body["events"][0]["tier"] == 1
    assert body["delivery_id"] == hook["delivery_id"] and mails[0]["delivery_id"]
    assert body["events"][0]["id"]                              # receivers dedupe on it


def test_a_receiver_that_is_down_gets_retries_then_a_dead_letter_and_a_replay_delivers(engine, mailbox):
    probe = start_webhook_receiver(mailbox, {"ops": SECRET})
    port = probe.server_port
    probe.stop()                                               # nothing listens there now
    policy = policy_with(group_seconds=0, rules=[{"when": ["escalated"], "webhook": ["ops"]}])
    settings = settings_for(None, port, max_attempts=3, retry_seconds=10, retry_max_seconds=60)
    load(engine, Story().events, now=AT)
    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT)

    t = AT
    for wait in (0, 10, 20):                                   # the back-off doubles: 10 s, then 20 s
        t += timedelta(seconds=wait)
        assert dispatch.send_due(engine, settings=settings, now=t - timedelta(seconds=1)).sent == 0
        result = dispatch.send_due(engine, settings=settings, now=t)
        assert result.retrying + result.dead == 1
    (delivery,) = rows(engine, "SELECT * FROM notification_deliveries")
    assert delivery["status"] == "dead" and delivery["attempts"] == 3
    assert "connection refused" in delivery["last_error"]
    with engine.begin() as conn:
        dead = notification_data.dead_letters(conn=conn)
    assert list(dead["delivery_id"]) == [delivery["delivery_id"]] and "refused" in dead["reason"][0]

    back = start_webhook_receiver(mailbox, {"ops": SECRET}, port=port)
    try:
        with engine.begin() as conn:
            assert notification_data.replay(conn=conn, delivery_ids=[delivery["delivery_id"]], actor="admin",
                                            now=t) == 1
        assert dispatch.send_due(engine, settings=settings, now=t).sent == 1
    finally:
        back.stop()
    (hook,) = mailbox.webhooks()
    assert hook["verified"] and hook["delivery_id"] == str(delivery["delivery_uuid"])
    (after,) = rows(engine, "SELECT status, replays, replayed_by FROM notification_deliveries")
    assert after == {"status": "sent", "replays": 1, "replayed_by": "admin"}


def test_quiet_hours_hold_messages_until_they_end(engine, mailbox, smtp, receiver):
    # The entered stage belongs to the order desk; its quiet hours cover 13:30 CST.
    policy = policy_with(**ESCALATIONS, quiet_hours={"order-desk": {"from": "13:00", "to": "14:00"}})
    settings = settings_for(smtp.port, receiver.server_port)
    load(engine, Story().events, now=AT)
    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT)
    assert dispatch.send_due(engine, settings=settings, now=AT + timedelta(minutes=29)).sent == 0
    assert mailbox.mails() == [] and mailbox.webhooks() == []
    ends = datetime(2026, 11, 2, 20, 0, tzinfo=timezone.utc)   # 14:00 CST
    assert dispatch.send_due(engine, settings=settings, now=ends).sent == 2
    assert len(mailbox.mails()) == 1 and len(mailbox.webhooks()) == 1
    (outcome,) = {r["outcome"] for r in rows(engine, "SELECT outcome FROM notification_events WHERE kind = 'escalated'")}
    assert "quiet hours" in outcome


def test_a_burst_of_escalations_goes_out_as_one_message_per_recipient(engine, mailbox, smtp, receiver):
    policy = policy_with(**ESCALATIONS)
    settings = settings_for(smtp.port, receiver.server_port)
    burst = [e for n in range(1, 7) for e in Story(f"SO-{n}").events]
    load(engine, burst, now=AT)
    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT)
    # A second wave within the window joins the message still collecting.
    load(engine, Story("SO-7").events, now=AT + timedelta(seconds=20))
    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT + timedelta(seconds=20))
    assert dispatch.send_due(engine, settings=settings, now=AT + timedelta(seconds=61)).sent == 2
    (mail,), (hook,) = mailbox.mails(), mailbox.webhooks()
    assert mail["subject"].startswith("[tower] 7 exception events")
    orders = {e["exception"]["order_id"] for e in hook["body"]["events"]}
    assert orders == {f"SO-{n}" for n in range(1, 8)}
    assert len({e["id"] for e in hook["body"]["events"]}) == 7


def test_the_daily_digest_carries_the_figures_of_the_raw_tables(engine, mailbox, smtp, receiver):
    policy = policy_with(digest={"teams": ["order-desk", "pricing"], "email": ["desk@example.test"], "top": 3})
    settings = settings_for(smtp.port, receiver.server_port, digest_time=datetime.strptime("07:00", "%H:%M").time())
    # Some orders past their entered SLA (overdue), some fresh, some with a pricing discrepancy.
    load(engine, [e for n in range(1, 4) for e in Story(f"OLD-{n}", placed=MON_9 - hours(20)).events], now=AT)
    load(engine, [e for n in range(1, 3) for e in Story(f"NEW-{n}", placed=AT - hours(0.5)).events], now=AT)
    load(engine, Story("PR-1", list_prices=(12.0, 20.0), placed=AT - hours(1)).validated().events, now=AT)
    (one,) = rows(engine, "SELECT exception_id FROM exceptions WHERE order_id = 'OLD-1' AND kind = 'stage_overdue'")
    with engine.begin() as conn:
        act(conn=conn, exception_ids=[one["exception_id"]], action="resolve", actor="maria", now=AT,
            reason="fixed_at_source")

    assert digest.make_due_digests(engine, policy=policy, settings=settings, now=AT) == 2
    assert digest.make_due_digests(engine, policy=policy, settings=settings, now=AT + hours(1)) == 0  # once a day

    raw = rows(engine, "SELECT * FROM exceptions")
    at_risk_share = POLICY.escalation["at_risk"]
    for team in ("order-desk", "pricing"):
        mine = [x for x in raw if x["team_id"] == team]
        live_open = [x for x in mine if x["status"] != "resolved"]
        expected = {
            "open": len(live_open),
            "overdue": sum(1 for x in live_open if x["due_at"] < AT),
            "at_risk": sum(1 for x in live_open if x["due_at"] >= AT
                           and AT >= x["opened_at"] + (x["due_at"] - x["opened_at"]) * at_risk_share),
            "top": [x["exception_id"] for x in sorted(live_open, key=lambda x: (-x["value_at_risk"], x["exception_id"]))[:3]],
            "breached": sorted(x["exception_id"] for x in mine if AT - hours(24) <= x["due_at"] < AT
                               and (x["resolved_at"] is None or x["resolved_at"] > x["due_at"])),
        }
        (made,) = rows(engine, "SELECT content FROM notification_deliveries WHERE purpose = 'digest' AND team_id = :t", t=team)
        c = made["content"]
        got = {"open": c["open"], "overdue": c["overdue"], "at_risk": c["at_risk"],
               "top": [x["exception_id"] for x in c["top_by_value"]],
               "breached": sorted(x["exception_id"] for x in c["newly_breached"])}
        assert got == expected
    assert expected["open"] >= 1        # pricing has its discrepancy; the figures are not all zero
    desk = rows(engine, "SELECT content FROM notification_deliveries WHERE team_id = 'order-desk'")[0]["content"]
    assert desk["overdue"] >= 2 and len(desk["newly_breached"]) >= 3

    assert dispatch.send_due(engine, settings=settings, now=AT).sent == 2
    subjects = sorted(m["subject"] for m in mailbox.mails())
    assert subjects[0].startswith("[tower] Order desk digest 2026-11-02: ")
    assert f"{desk['open']} open, {desk['overdue']} overdue" in subjects[0]


def test_an_exception_change_that_rolls_back_leaves_no_event(engine):
    load(engine, Story(list_prices=(12.0, 20.0)).validated().events, now=MON_9 + hours(1))
    before = rows(engine, "SELECT count(*) AS n FROM notification_events")[0]["n"]
    (ex,) = rows(engine, "SELECT exception_id FROM exceptions WHERE status <> 'resolved'")
    conn = engine.connect()
    try:
        with conn.begin() as tx:
            act(conn=conn, exception_ids=[ex["exception_id"]], action="resolve", actor="maria",
                now=MON_9 + hours(2), reason="fixed_at_source")
            assert rows(engine, "SELECT count(*) AS n FROM notification_events")[0]["n"] == before  # not visible yet
            tx.rollback()
    finally:
        conn.close()
    assert rows(engine, "SELECT count(*) AS n FROM notification_events")[0]["n"] == before
    with engine.begin() as conn:
        act(conn=conn, exception_ids=[ex["exception_id"]], action="resolve", actor="maria",
            now=MON_9 + hours(2), reason="fixed_at_source")
    (resolved,) = rows(engine, "SELECT kind, actor FROM notification_events WHERE kind = 'resolved'")
    assert resolved == {"kind": "resolved", "actor": "maria"}


def test_the_digest_waits_while_the_rules_worker_has_orders_waiting(engine, smtp, receiver):
    policy = policy_with(digest={"teams": ["order-desk"], "email": ["desk@example.test"]})
    settings = settings_for(smtp.port, receiver.server_port)
    load(engine, Story().events, now=AT)
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO dirty_orders (order_id) VALUES ('SO-1')"))
    assert digest.make_due_digests(engine, policy=policy, settings=settings, now=AT) == 0
    from tower.evaluation.worker import drain
    drain(engine, now=AT, policy=POLICY)
    assert digest.make_due_digests(engine, policy=policy, settings=settings, now=AT) == 1


def test_each_escalation_tier_is_its_own_event_and_the_breach_is_told_once(engine, mailbox, smtp, receiver):
    from tower.evaluation.sweep import run_sweep
    policy = policy_with(group_seconds=0, rules=[{"when": ["escalated"], "tiers": [2], "webhook": ["ops"]},
                                                 {"when": ["breached"], "email": ["desk@example.test"]}])
    settings = settings_for(smtp.port, receiver.server_port)
    load(engine, Story().events, now=AT)                       # opens past due: tier 1, breached
    dispatch.drain(engine, policy=policy, settings=settings, now=AT)
    assert len(mailbox.mails()) == 1 and mailbox.webhooks() == []   # tier 1 is not this rule's
    manager = MON_9 + hours(6.5)                               # past 150 percent: the manager
    run_sweep(engine, policy=POLICY, now=manager)
    dispatch.drain(engine, policy=policy, settings=settings, now=manager)
    kinds = [(r["kind"], r["tier"]) for r in rows(
        engine, "SELECT kind, tier FROM notification_events WHERE facts->>'exception_kind' = 'stage_overdue' ORDER BY event_id")]
    assert kinds == [("raised", None), ("escalated", 1), ("breached", None), ("escalated", 2)]
    (hook,) = mailbox.webhooks()
    assert [(e["type"], e["tier"]) for e in hook["body"]["events"]] == [("exception.escalated", 2)]
    assert hook["body"]["events"][0]["exception"]["role"] == "manager" and len(mailbox.mails()) == 1


def test_the_outbox_forgets_sent_messages_after_the_retention_but_keeps_dead_letters(engine, mailbox, smtp):
    from tower.store import notifications as outbox
    policy = policy_with(group_seconds=0, rules=[{"when": ["escalated"], "email": ["desk@example.test"],
                                                  "webhook": ["ops"]}])
    settings = settings_for(smtp.port, 9, max_attempts=1)     # port 9: nothing listens, webhook dies
    load(engine, Story().events, now=AT)
    result = dispatch.drain(engine, policy=policy, settings=settings, now=AT)
    assert (result.sent, result.dead) == (1, 1)
    later = AT + timedelta(days=31)
    with engine.begin() as conn:
        outbox.purge(conn=conn, before=later - timedelta(days=30))
    with engine.begin() as conn:
        outbox.purge(conn=conn, before=later - timedelta(days=30))   # events of the gone delivery
    left = rows(engine, "SELECT channel, status FROM notification_deliveries")
    assert left == [{"channel": "webhook", "status": "dead"}]
    carried = rows(engine, "SELECT e.kind FROM notification_events e JOIN notification_delivery_events l USING (event_id)")
    assert carried == [{"kind": "escalated"}]
    assert rows(engine, "SELECT count(*) AS n FROM notification_events")[0]["n"] == 1


def test_a_claim_whose_sender_died_lapses_and_events_never_join_a_claimed_message(engine, mailbox, smtp, receiver):
    from tower.store import notifications as outbox
    policy = policy_with(group_seconds=60, rules=[{"when": ["escalated"], "webhook": ["ops"]}])
    settings = settings_for(None, receiver.server_port)
    load(engine, Story("SO-1").events, now=AT)
    dispatch.route_pending(engine, policy=policy, settings=settings, now=AT)
    due = AT + timedelta(seconds=61)
    with engine.begin() as conn:                                # a sender claims it, then dies
        (claimed,) = outbox.claim_due(conn=conn, now=due, lease_until=due + dispatch.LEASE)
    load(engine, Story("SO-2").events, now=due)                 # a later event: its own message
    dispatch.route_pending(engine, policy=policy, settings=settings, now=due)
    assert dispatch.send_due(engine, settings=settings, now=due + timedelta(seconds=61)).sent == 1
    (first,) = mailbox.webhooks()
    assert [e["exception"]["order_id"] for e in first["body"]["events"]] == ["SO-2"]
    assert dispatch.send_due(engine, settings=settings, now=due + dispatch.LEASE).sent == 1
    second = mailbox.webhooks()[1]
    assert second["delivery_id"] == claimed["delivery_uuid"]
    assert [e["exception"]["order_id"] for e in second["body"]["events"]] == ["SO-1"]
