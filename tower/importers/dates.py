"""Reading the dates of real files: one explicit list of formats per column, never a guess.

A value either matches one of the column's formats exactly or is reported back with the
reason (a known "not captured" marker, or an unreadable value). Two-digit years follow
Python's strptime (69-99 -> 19xx, 00-68 -> 20xx), which covers every file tower reads.

A date-only value is a whole day in a zone: `day_start` is when it begins, `day_end` the last
microsecond of it, so a promise for a day is kept by anything that happens on that day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class UnreadableDate(ValueError):
    """The value is not a date in any of the allowed formats (the message says which)."""


def parse_date(value: str, formats: tuple[str, ...], *, what: str,
               not_captured: tuple[str, ...] = ()) -> date | None:
    """The date, None for a known "no date" marker, or UnreadableDate naming the value."""
    text = (value or "").strip()
    if not text or text in not_captured:
        return None
    for fmt in formats:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise UnreadableDate(f"{what} is not a date in {' or '.join(formats)}: {value!r}")


def day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def day_end(day: date, zone: ZoneInfo) -> datetime:
    """The last instant of the day in the zone (a date-only promise is kept up to here)."""
    nxt = datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
    return (nxt.astimezone(ZoneInfo("UTC")) - timedelta(microseconds=1)).astimezone(zone)
