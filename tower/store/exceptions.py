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

Exceptions not in an allowed state are left alone and not counted. Every change writes one
`exception_events` row (who, when, what, why, comment, policy version). Never commits.

Every input is checked here, once, for every caller (pages, the API, commands): the assignee
is an active user, a reason is one of REASON_CODES, comments and reasons are bounded in length
and free of NUL characters, a snooze lasts between SNOOZE_HOURS_MIN and SNOOZE_HOURS_MAX.
A refusal raises InvalidAction with a message a person can act on.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from tower import params, sqlfiles

_SQL = sqlfiles.load(__file__, "exceptions.sql")
ACTIONS = ("acknowledge", "start", "assign", "comment", "snooze", "hold", "resolve", "reopen")
STATUSES = ("open", "acknowledged", "in_progress", "on_hold", "snoozed", "resolved")
REASON_CODES = ("fixed_at_source", "customer_contacted", "data_corrected", "duplicate",
                "accepted_as_is", "false_alarm", "waiting_on_customer", "waiting_on_supplier", "other")


MAX_COMMENT_CHARS = 2000
MAX_ASSIGNEE_CHARS = 63      # the users table's own limit on user names
SNOOZE_HOURS_MIN = 0.25      # 15 minutes
SNOOZE_HOURS_MAX = 720.0     # 30 days: longer is not a snooze but a resolution


class InvalidAction(ValueError):
    """The action cannot be applied as asked; the message says what is missing."""


def snooze_until(hours: object, *, now: datetime) -> datetime:
    """`now` + `hours` (a number or numeric text) after checking the bounds; InvalidAction
    for anything else (text, NaN, infinity, 1e6, 1e-9)."""
    value = params.number(hours, low=SNOOZE_HOURS_MIN, high=SNOOZE_HOURS_MAX)
    if value is None:
        raise InvalidAction(f"Snooze for between {SNOOZE_HOURS_MIN * 60:.0f} minutes and "
                            f"{SNOOZE_HOURS_MAX / 24:.0f} days.")
    return now + timedelta(hours=value)


def _check_text(value: object, what: str, limit: int) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or "\x00" in value:
        raise InvalidAction(f"The {what} must be plain text.")
    if len(value) > limit:
        raise InvalidAction(f"The {what} is {len(value):,} characters; keep it to {limit:,}.")
    return value


def _check_assignee(conn: Connection, assignee: object) -> str:
    name = _check_text(assignee, "assignee", MAX_ASSIGNEE_CHARS)
    name = (name or "").strip().lower()
    if not name:
        raise InvalidAction("assign needs an assignee")
    if conn.execute(_SQL["known_user"], {"username": name}).first() is None:
        raise InvalidAction(f"There is no active user called “{name[:40]}”: assign to a user name "
                            "as they sign in.")
    return name


def act(*, conn: Connection, exception_ids: list[int], action: str, actor: str, now: datetime,
        assignee: str | None = None, comment: str | None = None, reason: str | None = None,
        snoozed_until: datetime | None = None) -> int:
    if action not in ACTIONS:
        raise InvalidAction(f"unknown action {action!r}; use one of {', '.join(ACTIONS)}")
    if not actor or not actor.strip():
        raise InvalidAction("who is acting must be given (actor)")
    if now.tzinfo is None:
        raise InvalidAction("now must be an aware datetime")
    comment = _check_text(comment, "comment", MAX_COMMENT_CHARS)
    reason = _check_text(reason, "reason", 64)
    if action == "comment" and not (comment and comment.strip()):
        raise InvalidAction("comment needs a comment")
    if reason is not None and reason not in REASON_CODES:
        raise InvalidAction(f"Choose a reason from the list ({', '.join(REASON_CODES)}).")
    if action == "snooze":
        if snoozed_until is None or snoozed_until.tzinfo is None:
            raise InvalidAction("snooze needs snoozed_until, an aware time")
        if snoozed_until <= now:
            raise InvalidAction("snoozed_until must be in the future")
        if snoozed_until > now + timedelta(hours=SNOOZE_HOURS_MAX):
            raise InvalidAction(f"Snooze for at most {SNOOZE_HOURS_MAX / 24:.0f} days.")
    if action == "assign":
        assignee = _check_assignee(conn, assignee)
    elif assignee is not None:
        raise InvalidAction("only assign takes an assignee")
    ids = [int(i) for i in exception_ids]
    if not ids:
        return 0
    values = {"ids": ids, "actor": actor.strip(), "now": now, "assignee": assignee,
              "comment": comment, "reason": reason, "snoozed_until": snoozed_until}
    return max(conn.execute(_SQL[action], values).rowcount, 0)
