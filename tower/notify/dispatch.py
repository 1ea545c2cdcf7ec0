"""The background side of notifications: route the outbox's events, send what is due.

`route_pending(engine, policy=, settings=, now=)` claims events not routed yet, asks the policy
who hears about each (tower/rules/notifications.py), and attaches them to deliveries in the
same transaction: a recipient's alert still collecting (storm control: events for one
recipient within `group_seconds` go out as one message; quiet hours hold theirs until the end)
or a new one. A channel that is not configured is skipped and said so in the event's outcome.

`send_due(engine, settings=, now=)` claims due deliveries (SKIP LOCKED, committed at once: no
transaction stays open across the network, where it would hold back the API's change feed),
sends each, and records sent, a retry after an exponential back-off (retry_seconds · 2^(attempt-1), capped), or — when
`max_attempts` are spent — a dead letter, shown and replayable on /integrations. A crash between
sending and committing sends the message again: delivery is at least once, and every message
carries ids that receivers dedupe on (tower/notify/messages.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from tower.config import NotifySettings
from tower.notify import messages, senders
from tower.rules.notifications import Event, Routing, route
from tower.rules.policy import Policy
from tower.store import notifications as outbox

log = logging.getLogger(__name__)
# How long a sender's claim on a delivery lasts (business time). A sender that dies mid-send
# leaves its claims to lapse; the deliveries are then sent again (receivers dedupe).
LEASE = timedelta(minutes=15)


@dataclass
class SendResult:
    sent: int = 0
    retrying: int = 0
    dead: int = 0


def unavailable(settings: NotifySettings, channel: str, target: str) -> str | None:
    """Why (channel, target) cannot be sent to with these settings, or None."""
    if channel == "email" and not settings.smtp_host:
        return "e-mail not configured (TOWER_SMTP_HOST)"
    if channel == "webhook" and target not in settings.webhooks:
        return f"webhook endpoint {target} not configured (TOWER_NOTIFY_WEBHOOKS)"
    return None


def backoff(attempts: int, settings: NotifySettings) -> timedelta:
    """The wait after the `attempts`-th failed attempt: doubling from retry_seconds, capped."""
    return timedelta(seconds=min(settings.retry_max_seconds, settings.retry_seconds * 2 ** max(attempts - 1, 0)))


def _event(row: dict[str, Any]) -> Event:
    f = row["facts"]
    return Event(kind=row["kind"], tier=row["tier"], team=f.get("team"),
                 exception_kind=str(f.get("exception_kind") or ""), severity=str(f.get("severity") or ""),
                 warehouse=f.get("warehouse"), value=float(f.get("value") or 0))


def route_pending(engine: Engine, *, policy: Policy, settings: NotifySettings, now: datetime,
                  limit: int = 2000) -> int:
    """Route up to `limit` events in one transaction; returns how many (0: none waiting)."""
    rules = policy.notifications
    with engine.begin() as conn:
        events = outbox.claim_events(conn=conn, limit=limit)
        if not events:
            return 0
        groups: dict[tuple[str, str, datetime], list[tuple[int, str | None, str]]] = defaultdict(list)
        outcomes: dict[int, str] = {}
        for row in events:
            routing = route(_event(row), rules, now=now)
            kept, notes = [], list(routing.notes)
            for r in routing.routes:
                why = unavailable(settings, r.channel, r.target)
                if why:
                    notes.append(why)
                    continue
                kept.append(r)
                groups[(r.channel, r.target, r.earliest_at)].append((row["event_id"], row["facts"].get("team"), r.rule))
            outcomes[row["event_id"]] = Routing(kept, sorted(set(notes), key=notes.index)).outcome()
        window = timedelta(seconds=rules.group_seconds)
        for (channel, target, earliest), items in groups.items():
            # Held by quiet hours: due when they end. Otherwise collect for the window first.
            send_after = earliest if earliest > now else now + window
            room = rules.webhook_max_events if channel == "webhook" else None
            step = room or len(items)
            for i in range(0, len(items), step):
                chunk = items[i:i + step]
                outbox.attach(conn=conn, channel=channel, target=target, team=chunk[0][1], rule=chunk[0][2],
                              event_ids=[c[0] for c in chunk], earliest=earliest, send_after=send_after,
                              now=now, room=room)
        outbox.mark_routed(conn=conn, outcomes=outcomes, now=now)
    return len(events)


def _deliver(d: dict[str, Any], settings: NotifySettings, now: datetime) -> None:
    link = settings.link_base
    if d["purpose"] == "digest":
        content = d["content"] or {}
        if d["channel"] == "email":
            subject, body = messages.digest_email(content, link_base=link)
            senders.send_email(settings, to=d["target"], subject=subject, body=body,
                               delivery_uuid=d["delivery_uuid"], now=now)
        else:
            senders.post_webhook(settings, endpoint=d["target"], delivery_uuid=d["delivery_uuid"], now=now,
                                 payload=messages.digest_webhook(d["delivery_uuid"], content, sent_at=now))
        return
    events = d["events"]
    if d["channel"] == "email":
        subject, body = messages.alert_email(events, link_base=link)
        senders.send_email(settings, to=d["target"], subject=subject, body=body,
                           delivery_uuid=d["delivery_uuid"], now=now)
    else:
        senders.post_webhook(settings, endpoint=d["target"], delivery_uuid=d["delivery_uuid"], now=now,
                             payload=messages.alert_webhook(d["delivery_uuid"], events, sent_at=now, link_base=link))


def send_due(engine: Engine, *, settings: NotifySettings, now: datetime, limit: int = 10) -> SendResult:
    """Claim up to `limit` due deliveries (one short transaction), send each with no
    transaction open, and record each outcome in its own short transaction."""
    with engine.begin() as conn:
        claimed = outbox.claim_due(conn=conn, now=now, lease_until=now + LEASE, limit=limit)
        for d in claimed:   # what an alert carries is fixed by the claim: nothing joins it now
            if d["purpose"] == "alert":
                d["events"] = outbox.delivery_events(conn=conn, delivery_id=d["delivery_id"])
    result = SendResult()
    for d in claimed:
        try:
            _deliver(d, settings, now)
            error = None
        except senders.DeliveryFailed as exc:
            error = str(exc)
        attempts = d["attempts"] + 1
        with engine.begin() as conn:
            if error is None:
                outbox.record_sent(conn=conn, delivery_id=d["delivery_id"], now=now)
                result.sent += 1
                continue
            retry_at = None if attempts >= settings.max_attempts else now + backoff(attempts, settings)
            status = outbox.record_failure(conn=conn, delivery_id=d["delivery_id"], now=now,
                                           error=error, retry_at=retry_at)
        if status == "dead":
            result.dead += 1
            log.warning("notification %s to %s %s is a dead letter after %d attempts: %s",
                        d["delivery_id"], d["channel"], d["target"], attempts, error)
        else:
            result.retrying += 1
            log.info("notification %s to %s %s failed (attempt %d), retry at %s: %s",
                     d["delivery_id"], d["channel"], d["target"], attempts, retry_at, error)
    return result


def drain(engine: Engine, *, policy: Policy, settings: NotifySettings, now: datetime) -> SendResult:
    """Route everything waiting, then send everything due (tests, the CLI)."""
    while route_pending(engine, policy=policy, settings=settings, now=now):
        pass
    total = SendResult()
    while True:
        r = send_due(engine, settings=settings, now=now)
        total.sent, total.retrying, total.dead = total.sent + r.sent, total.retrying + r.retrying, total.dead + r.dead
        if not (r.sent or r.retrying or r.dead):
            return total
