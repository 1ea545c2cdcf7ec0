"""Every action input is checked once, in tower.store.exceptions.act, for every caller: the
assignee is a known user, reasons come from the list, comments are bounded, snoozes are
between 15 minutes and 30 days."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from tower.auth import users
from tower.store.exceptions import MAX_COMMENT_CHARS, REASON_CODES, InvalidAction, act, snooze_until

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def exception_id(engine) -> int:
    with engine.begin() as conn:
        users.add(conn=conn, username="maria", password="long enough password", role="cs")
        users.add(conn=conn, username="gone", password="long enough password", role="cs")
        conn.execute(sa.text("UPDATE users SET active = false WHERE username = 'gone'"))
        return conn.execute(sa.text(
            "INSERT INTO exceptions (kind, subject, severity, status, title, opened_at) VALUES "
            "('stage_overdue', 'order', 'high', 'open', 'Late', :at) RETURNING exception_id"),
            {"at": NOW - timedelta(hours=2)}).scalar_one()


def _act(engine, exception_id, **kwargs) -> int:
    with engine.begin() as conn:
        return act(conn=conn, exception_ids=[exception_id], actor="maria", now=NOW, **kwargs)


@pytest.mark.parametrize("assignee", ["nobody.here", "gone", "<a href='http://evil.example'>boss</a>",
                                      "x" * 100_000, "maria\x00", 42])
def test_only_an_active_user_can_be_assigned(engine, exception_id, assignee):
    with pytest.raises(InvalidAction):
        _act(engine, exception_id, action="assign", assignee=assignee)


def test_a_known_user_is_assigned_by_the_name_they_sign_in_with(engine, exception_id):
    assert _act(engine, exception_id, action="assign", assignee=" Maria ") == 1
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT assignee FROM exceptions")).scalar_one() == "maria"


@pytest.mark.parametrize("kwargs,message", [
    (dict(action="comment", comment="x" * (MAX_COMMENT_CHARS + 1)), "keep it to 2,000"),
    (dict(action="comment", comment="a\x00b"), "plain text"),
    (dict(action="resolve", reason="because I said so"), "Choose a reason from the list"),
    (dict(action="resolve", reason="x" * 100_000), "keep it to 64"),
    (dict(action="snooze", snoozed_until=NOW + timedelta(days=31)), "at most 30 days"),
    (dict(action="acknowledge", assignee="maria"), "only assign takes an assignee"),
])
def test_free_text_and_times_are_bounded(engine, exception_id, kwargs, message):
    with pytest.raises(InvalidAction, match=message):
        _act(engine, exception_id, **kwargs)


def test_every_listed_reason_and_a_bounded_comment_are_accepted(engine, exception_id):
    assert _act(engine, exception_id, action="comment", comment="y" * MAX_COMMENT_CHARS) == 1
    assert _act(engine, exception_id, action="resolve", reason=REASON_CODES[0]) == 1


@pytest.mark.parametrize("hours", ["abc", "nan", "inf", "-inf", float("nan"), float("inf"), 1e6, 1e-9, 0.2,
                                   721, -1, None, [], True, "4" * 400])
def test_a_snooze_outside_fifteen_minutes_to_thirty_days_is_refused(hours):
    with pytest.raises(InvalidAction, match="Snooze for between 15 minutes and 30 days"):
        snooze_until(hours, now=NOW)


@pytest.mark.parametrize("hours,expected", [(0.25, timedelta(minutes=15)), ("4", timedelta(hours=4)),
                                            (720, timedelta(days=30))])
def test_a_snooze_within_the_bounds_ends_when_asked(hours, expected):
    assert snooze_until(hours, now=NOW) == NOW + expected
