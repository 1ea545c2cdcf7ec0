"""The period an analytics page looks at, from its URL: a preset or a custom range, and an
"as of" time.

    ?days=28                       the 28 whole UTC days up to and including the as-of day
    ?from=2017-01-01&to=2017-12-31 a custom range of whole UTC days, both inclusive (the same
                                   days `tower kpis show --from --to` reads)
    ?as_of=2017-06-30T18:00        the moment "now" stands for: presets count back from it and
                                   counts "open now" are taken at it (UTC without a zone; a day
                                   alone means its end). Default: tower's clock, or the end of a
                                   custom range that ends before it

Imported history (Olist's 2016-2018) is visible with a custom range or an as-of time alone,
without moving tower's clock. A value that cannot be read gives the default period and a plain
`problem` sentence for the page to show, never an exception. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Mapping

from tower import params

CUSTOM = "custom"
MAX_DAYS = 366 * 30  # a range longer than thirty years is a typing mistake


@dataclass(frozen=True)
class Period:
    """Whole UTC days [start, end) and the instant counts are taken at."""

    start: date
    end: date                 # exclusive
    as_of: datetime           # aware, UTC
    preset: str               # a preset's key, or CUSTOM
    problem: str | None = None  # why a URL value was not used, in words

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    @property
    def start_at(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=timezone.utc)

    @property
    def end_at(self) -> datetime:
        """The period's end as an instant, never later than `as_of`."""
        return min(datetime.combine(self.end, time(0), tzinfo=timezone.utc), self.as_of)

    def query(self, *, as_of_given: bool) -> dict[str, str]:
        """The URL values that give this period back (as_of only when the person chose one)."""
        out = ({"from": self.start.isoformat(), "to": self.last_day.isoformat()} if self.preset == CUSTOM
               else {"days": self.preset})
        if as_of_given:
            out["as_of"] = self.as_of.strftime("%Y-%m-%dT%H:%M")
        return out

    def describe(self) -> str:
        """'01 Jan 2017 – 31 Dec 2017 (365 UTC days)'."""
        return f"{self.start:%d %b %Y} – {self.last_day:%d %b %Y} ({self.days} UTC day{'s' * (self.days != 1)})"


def _end_of(day: date) -> datetime:
    return datetime.combine(day, time.max, tzinfo=timezone.utc)


def resolve(query: Mapping[str, Any], *, now: datetime, presets: Mapping[str, Any], default: str) -> Period:
    """The period of `query` (the page's URL values or its controls': days, from, to, as_of).
    `presets` maps preset keys ("7", "28" ...) to labels; a key is a number of days."""
    problems: list[str] = []
    now = now.astimezone(timezone.utc)
    raw_as_of = params.text(query.get("as_of"))
    as_of = params.instant(raw_as_of) if raw_as_of else None
    if raw_as_of and as_of is None:
        problems.append(f"“as of” {raw_as_of[:40]!r} is not a time like 2017-06-30 or 2017-06-30T18:00, "
                        "so figures are counted as of now")
    as_of = as_of.astimezone(timezone.utc) if as_of else None
    preset = params.choice(query.get("days"), presets, default=default)
    raw_from, raw_to = params.text(query.get("from")), params.text(query.get("to"))
    if raw_from or raw_to:
        first, last = params.day(raw_from), params.day(raw_to)
        bad = [f"{name} {raw[:40]!r}" for name, raw, got in (("“from”", raw_from, first), ("“to”", raw_to, last))
               if raw and got is None]
        if bad:
            problems.append(" and ".join(bad) + " is not a day like 2017-01-31, so the default period is shown")
        else:
            if last is None:
                last = (as_of or now).date()
            if first is None:
                first = last - timedelta(days=int(default) - 1)
            if last < first:
                problems.append(f"the range ends ({last}) before it starts ({first}), so the default period is shown")
            elif (last - first).days + 1 > MAX_DAYS:
                problems.append(f"a range of {(last - first).days + 1:,} days is longer than {MAX_DAYS:,}, "
                                "so the default period is shown")
            else:
                at = as_of or min(now, _end_of(last))
                return Period(first, last + timedelta(days=1), at, CUSTOM, _words(problems))
    at = as_of or now
    n = int(preset)
    return Period(at.date() - timedelta(days=n - 1), at.date() + timedelta(days=1), at, preset, _words(problems))


def _words(problems: list[str]) -> str | None:
    if not problems:
        return None
    text = "; ".join(problems)
    return text[0].upper() + text[1:] + "."
