"""Business calendars: weekends, holidays, time zones and daylight-saving changes."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tower.rules.calendar import parse_calendar

CHI = ZoneInfo("America/Chicago")
UTC = timezone.utc
OFFICE = parse_calendar("office", {"tz": "America/Chicago", "days": ["mon", "tue", "wed", "thu", "fri"],
                                   "hours": ["08:00", "17:00"], "holidays": ["2026-11-26"]})


def local(*args):
    return datetime(*args, tzinfo=CHI)


def test_hours_inside_one_working_day_are_plain_hours():
    assert OFFICE.add_hours(local(2026, 11, 2, 9, 0), 4) == local(2026, 11, 2, 13, 0)


def test_a_friday_afternoon_sla_continues_on_monday_morning():
    assert OFFICE.add_hours(local(2026, 11, 6, 16, 30), 2) == local(2026, 11, 9, 9, 30)


def test_time_before_opening_starts_counting_at_opening():
    assert OFFICE.add_hours(local(2026, 11, 3, 6, 0), 1) == local(2026, 11, 3, 9, 0)


def test_an_event_on_a_sunday_starts_its_clock_on_monday():
    assert OFFICE.add_hours(local(2026, 11, 8, 12, 0), 3) == local(2026, 11, 9, 11, 0)


def test_a_holiday_is_skipped():
    # Wednesday 16:00 + 2 h: 1 h on Wednesday, Thanksgiving Thursday skipped, 1 h on Friday.
    assert OFFICE.add_hours(local(2026, 11, 25, 16, 0), 2) == local(2026, 11, 27, 9, 0)


def test_working_hours_are_local_on_both_sides_of_the_dst_change():
    # DST ends Sunday 2026-11-01 in Chicago: Friday 16:00 CDT + 2 h = Monday 09:00 CST,
    # which is 15:00 UTC (it would be 14:00 UTC had the offset not changed).
    due = OFFICE.add_hours(local(2026, 10, 30, 16, 0), 2)
    assert due == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert due.astimezone(CHI).hour == 9


def test_spring_forward_keeps_the_working_day_at_nine_hours():
    # DST starts Sunday 2027-03-14; a full Monday is still 9 business hours.
    assert OFFICE.hours_between(local(2027, 3, 15, 0, 0), local(2027, 3, 16, 0, 0)) == pytest.approx(9)


def test_hours_between_is_the_inverse_of_add_hours():
    start = local(2026, 11, 5, 15, 15)
    for h in (0.5, 3, 9, 17.25, 40):
        assert OFFICE.hours_between(start, OFFICE.add_hours(start, h)) == pytest.approx(h)


def test_the_same_utc_instant_is_counted_in_each_warehouse_zone():
    west = parse_calendar("RNO-1", {"tz": "America/Los_Angeles", "hours": ["06:00", "18:00"]})
    # 14:00 UTC Monday is 06:00 in Reno (opening) but 08:00 in Chicago.
    start = datetime(2026, 11, 2, 14, 0, tzinfo=UTC)
    assert west.add_hours(start, 1) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert OFFICE.add_hours(start, 1) == datetime(2026, 11, 2, 15, 0, tzinfo=UTC)
    assert west.add_hours(start, 12) == datetime(2026, 11, 3, 2, 0, tzinfo=UTC)  # 18:00 PST
    assert OFFICE.add_hours(start, 12) == datetime(2026, 11, 3, 17, 0, tzinfo=UTC)  # Tue 11:00 CST


@pytest.mark.parametrize("spec, message", [
    ({"tz": "Mars/Olympus"}, "unknown time zone"),
    ({}, "tz is missing"),
    ({"tz": "UTC", "days": ["funday"]}, "days must be"),
    ({"tz": "UTC", "hours": ["17:00", "08:00"]}, "must be after opening"),
    ({"tz": "UTC", "holidays": ["someday"]}, "is not a date"),
])
def test_a_bad_calendar_is_refused_with_the_field_named(spec, message):
    with pytest.raises(ValueError, match=message):
        parse_calendar("x", spec)
