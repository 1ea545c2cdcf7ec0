"""Business calendars: working days, working hours, holidays and a time zone per warehouse.

SLA clocks run in business hours: an order released at 16:30 on a Friday to a warehouse that
works 08:00-17:00 Monday to Friday has used 0.5 h of its SLA by Monday 08:00. All arithmetic
happens in the calendar's own zone (so a working day is 08:00-17:00 *local* time on both sides
of a daylight-saving change) and results are returned in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import lru_cache
from zoneinfo import ZoneInfo

UTC = timezone.utc
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Far enough for any SLA in the policy (a year of business days), short enough to fail fast
# if a calendar has no working time at all.
_MAX_DAYS = 800


@dataclass(frozen=True)
class Calendar:
    """One business calendar. `days` are weekday numbers (Monday = 0); `opens`/`closes` local."""

    name: str
    tz: ZoneInfo
    days: frozenset[int]
    opens: time
    closes: time
    holidays: frozenset[date] = field(default_factory=frozenset)

    def is_working_day(self, day: date) -> bool:
        return day.weekday() in self.days and day not in self.holidays

    def _window(self, day: date) -> tuple[datetime, datetime]:
        # Building local wall times with the zone attached lets zoneinfo pick the right offset
        # for that date, which is what makes DST days come out right.
        return (datetime.combine(day, self.opens, self.tz), datetime.combine(day, self.closes, self.tz))

    def add_hours(self, start: datetime, hours: float) -> datetime:
        """The instant `hours` business hours after `start` (aware), in UTC."""
        return _add_hours(self, start, hours)

    def _add_hours(self, start: datetime, hours: float) -> datetime:
        if hours < 0:
            raise ValueError("business hours to add must not be negative")
        remaining = timedelta(hours=hours)
        local = start.astimezone(self.tz)
        day = local.date()
        for _ in range(_MAX_DAYS):
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin = max(local, opens)
                if begin < closes:
                    available = closes - begin
                    if remaining <= available:
                        return (begin + remaining).astimezone(UTC)
                    remaining -= available
            day += timedelta(days=1)
            local = datetime.combine(day, time(0), self.tz)
        raise ValueError(f"calendar {self.name} has no working time within {_MAX_DAYS} days")

    def hours_between(self, start: datetime, end: datetime) -> float:
        """Business hours from `start` to `end` (0 if end is not after start)."""
        if end <= start:
            return 0.0
        local_start, local_end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = timedelta()
        day = local_start.date()
        last = local_end.date()
        while day <= last:
            if self.is_working_day(day):
                opens, closes = self._window(day)
                begin, finish = max(opens, local_start), min(closes, local_end)
                if finish > begin:
                    total += finish - begin
            day += timedelta(days=1)
        return total.total_seconds() / 3600.0

    def local_label(self, when: datetime) -> str:
        """A short local time with its zone named, like 'Mon 11/23 09:40 CST'."""
        return _label(self.tz, when)


@lru_cache(maxsize=65536)
def _add_hours(cal: Calendar, start: datetime, hours: float) -> datetime:
    # A batch asks the same questions many times (every finding's due time starts "now"; many
    # orders share a start minute), so answers are cached; the calendar is immutable.
    return cal._add_hours(start, hours)


@lru_cache(maxsize=65536)
def _label(tz: ZoneInfo, when: datetime) -> str:
    return when.astimezone(tz).strftime("%a %m/%d %H:%M %Z")


def wall_add(start: datetime, hours: float) -> datetime:
    """Plain elapsed hours (for clocks that run around the clock, like transport)."""
    return (start + timedelta(hours=hours)).astimezone(UTC)


def parse_calendar(name: str, spec: dict) -> Calendar:
    """A Calendar from its policy entry; ValueError with the field at fault otherwise."""
    where = f"calendars.{name}"
    if not spec.get("tz"):
        raise ValueError(f"{where}: tz is missing (for example America/Chicago)")
    try:
        tz = ZoneInfo(str(spec["tz"]))
    except Exception:  # ZoneInfoNotFoundError, or a malformed key (ValueError)
        raise ValueError(f"{where}: unknown time zone {spec.get('tz')!r}") from None
    days = spec.get("days", ["mon", "tue", "wed", "thu", "fri"])
    if not isinstance(days, list) or not days or any(d not in DAY_NAMES for d in days):
        raise ValueError(f"{where}: days must be a non-empty list of {', '.join(DAY_NAMES)}")
    hours = spec.get("hours", ["08:00", "17:00"])
    try:
        opens, closes = (time.fromisoformat(str(h)) for h in hours)
    except (ValueError, TypeError):
        raise ValueError(f"{where}: hours must be two times like ['08:00', '17:00'], got {hours!r}") from None
    if closes <= opens:
        raise ValueError(f"{where}: closing time {closes} must be after opening time {opens}")
    holidays = set()
    for raw in spec.get("holidays", []) or []:
        try:
            holidays.add(raw if isinstance(raw, date) else date.fromisoformat(str(raw)))
        except ValueError:
            raise ValueError(f"{where}: holiday {raw!r} is not a date like 2026-12-25") from None
    return Calendar(name, tz, frozenset(DAY_NAMES.index(d) for d in days), opens, closes, frozenset(holidays))
