"""Values from the outside (URL query values, callback inputs) turned into what a page can use.

Every page's `layout(**query)` and every callback reads its inputs through these helpers, so
junk never reaches SQL or a format string: a value of the wrong type, too long, not finite or
out of range becomes the default (the page opens as if the value were not given) instead of
an exception and a 500. No I/O, no imports from tower: any layer may use it.

    days = params.choice(query.get("days"), ("7", "30", "90"), default="7")
    min_age = params.number(query.get("min_age"), low=0, high=params.MAX_HOURS)
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timezone, tzinfo
from typing import Any, Iterable, TypeVar

MAX_TEXT = 200            # a key, a name, a filter value: nothing a person types is longer
MAX_HOURS = 24 * 365 * 10  # ages and snoozes beyond ten years are typing mistakes
T = TypeVar("T")


def text(value: Any, *, max_chars: int = MAX_TEXT, default: str | None = None) -> str | None:
    """`value` stripped, if it is a string of at most `max_chars` without a NUL character."""
    if not isinstance(value, str) or "\x00" in value:
        return default
    value = value.strip()
    if len(value) > max_chars:
        return default
    return value


def choice(value: Any, allowed: Iterable[T], *, default: T) -> T:
    """`value` if it is one of `allowed` (compared as given: "7" is not 7), else `default`."""
    for option in allowed:
        if type(value) is type(option) and value == option:
            return option
    return default


def number(value: Any, *, low: float, high: float, default: float | None = None) -> float | None:
    """A finite number within [low, high] from a number or numeric text, else `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        value = text(value, max_chars=40)
        if not value:
            return default
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        return default
    if not math.isfinite(result) or result < low or result > high:
        return default
    return result


def integer(value: Any, *, low: int, high: int, default: int | None = None) -> int | None:
    """A whole number within [low, high] from an int or ASCII digits, else `default`."""
    if isinstance(value, bool):
        return default
    if isinstance(value, str):
        value = value.strip()
        if not (value.isascii() and value.lstrip("-").isdigit() and len(value) <= 20):
            return default
    if not isinstance(value, (int, str)):
        return default
    result = int(value)
    return result if low <= result <= high else default


def flag(value: Any) -> bool:
    """True for true, 1, "1", "true", "yes", "on"; False for anything else (None included)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value == 1
    return isinstance(value, str) and value.strip().lower() in ("1", "true", "yes", "on")


def texts(value: Any, *, max_items: int = 50, max_chars: int = MAX_TEXT) -> tuple[str, ...]:
    """A list of short strings from a list or comma-separated text, sorted and unique; items
    that are not short strings are dropped."""
    if isinstance(value, str):
        items: list[Any] = value.split(",")
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        return ()
    found = {t for t in (text(i, max_chars=max_chars) for i in items) if t}
    return tuple(sorted(found))[:max_items]


def mapping(value: Any) -> dict:
    """`value` if it is a dict, else an empty dict (a store's data may be anything)."""
    return value if isinstance(value, dict) else {}


def records(value: Any) -> list[dict]:
    """The dicts of a list (grid rows, selected rows), nothing else."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def day(value: Any) -> date | None:
    """A calendar day from ISO text ("2017-01-31"), else None."""
    value = text(value, max_chars=10)
    if not value or len(value) != 10:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def instant(value: Any, *, default_zone: tzinfo = timezone.utc) -> datetime | None:
    """An aware instant from ISO text: "2017-06-30", "2017-06-30T18:00", "2017-06-30 18:00:00+02:00"
    (a day alone means its end, 23:59:59.999999; no zone means `default_zone`), else None."""
    value = text(value, max_chars=40)
    if not value:
        return None
    only_day = day(value)
    try:
        at = (datetime.combine(only_day, time.max) if only_day else datetime.fromisoformat(value))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=default_zone)
