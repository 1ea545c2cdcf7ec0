"""What people do to exceptions: the lifecycle actions and their audit rows.

`act(conn=, exception_ids=, action=, actor=, now=, ...)` applies one lifecycle action to several
exceptions and returns how many changed. Lifecycle:

    open -> acknowledged -> in_progress -> on_hold / snoozed (until) -> resolved -> (reopened) open

    acknowledge   open, snoozed, on_hold      -> acknowledged (acknowledged_at set once)
    start         open, acknowledged, snoozed, on_hold -> in_progress
    assign        any unresolved: assignee    (needs `assignee`)
    comment       any, including resolved     (needs `comment`; status unchanged)
    snooze        any unresolved -> snoozed until `snoozed_until` (needs it, in the future); the
                  sweep puts it back to its earlier status when the time comes
    hold          any unresolved -> on_hold
    resolve       any unresolved -> resolved  (`reason` is the reason code, kept as resolution)
    reopen        resolved -> open, unless another exception is open for the same subject
                  (history — origin 'history' — is never reopened)

Exceptions not in an allowed state are left alone and not counted. Every change writes one
`exception_events` row (who, when, what, why, comment, policy version). Never commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from tower import sqlfiles

_SQL = sqlfiles.load(__file__, "exceptions.sql")
ACTIONS = ("acknowledge", "start", "assign", "comment", "snooze", "hold", "resolve", "reopen")
STATUSES = ("open", "acknowledged", "in_progress", "on_hold", "snoozed", "resolved")
REASON_CODES = ("fixed_at_source", "customer_contacted", "data_corrected", "duplicate",
                "accepted_as_is", "false_alarm", "waiting_on_customer", "waiting_on_supplier", "other")


class InvalidAction(ValueError):
    """The action cannot be applied as asked; the message says what is missing."""


def act(*, conn: Connection, exception_ids: list[int], action: str, actor: str, now: datetime,
        assignee: str | None = None, comment: str | None = None, reason: str | None = None,
        snoozed_until: datetime | None = None) -> int:
    if action not in ACTIONS:
        raise InvalidAction(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if not actor or not actor.strip():
        raise InvalidAction("who is acting must be given (actor)")
    if now.tzinfo is None:
        raise InvalidAction("now must be an aware datetime")
    if action == "assign" and not (assignee and assignee.strip()):
        raise InvalidAction("assign needs an assignee")
    if action == "comment" and not (comment and comment.strip()):
        raise InvalidAction("comment needs a comment")
    if action == "snooze":
        if snoozed_until is None or snoozed_until.tzinfo is None:
            raise InvalidAction("snooze needs snoozed_until, an aware time")
        if snoozed_until <= now:
            raise InvalidAction("snoozed_until must be in the future")
    ids = [int(i) for i in exception_ids]
    if not ids:
        return 0
    params = {"ids": ids, "actor": actor.strip(), "now": now, "assignee": assignee,
              "comment": comment, "reason": reason, "snoozed_until": snoozed_until}
    return max(conn.execute(_SQL[action], params).rowcount, 0)
