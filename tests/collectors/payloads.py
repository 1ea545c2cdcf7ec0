"""Helpers for the pure mapping tests: recorded payloads in, expectations read from them.

The payloads under `tests/collectors/<system>/payloads/<stream>.json` were recorded from the
sandbox by `python -m tests.collectors.record_payloads`. Nothing here opens a database or a
socket, and nothing reads the clock.
"""

from __future__ import annotations

import copy
import json
from datetime import date, datetime, time, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


@lru_cache(maxsize=None)
def _document(system: str, stream: str) -> dict[str, Any]:
    return json.loads((HERE / system / "payloads" / f"{stream}.json").read_text())


def cases(system: str, stream: str, prefix: str = "") -> list[str]:
    """The names of the recorded cases of a stream (those starting with `prefix`)."""
    return [name for name in _document(system, stream)["cases"] if name.startswith(prefix)]


def case(system: str, stream: str, name: str) -> dict[str, Any]:
    """One recorded case: {"about", "record"[, "defect", "changes"]}; a copy, so a test may edit it."""
    return copy.deepcopy(_document(system, stream)["cases"][name])


def record(system: str, stream: str, name: str) -> dict[str, Any]:
    """The recorded payload of one case (a copy)."""
    return case(system, stream, name)["record"]


def change(system: str, stream: str, name: str) -> dict[str, Any]:
    """The one field a fault changed in a recorded malformed case: {"path", "was"[, "now"]}."""
    changes = case(system, stream, name)["changes"]
    assert len(changes) >= 1, f"{system}/{stream} {name} records no change"
    return changes[0]


def same_time(value: Any, text: str) -> bool:
    """Whether `value` is an aware datetime naming the instant *and the zone offset* written
    in the ISO-8601 `text` ("...Z" is UTC)."""
    if not isinstance(value, datetime) or value.utcoffset() is None:
        return False
    written = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value == written and value.utcoffset() == written.utcoffset()


def end_of_day_utc(text: str) -> datetime:
    """A `YYYY-MM-DD` "by this day" date as tower reads it: the last second of that day, UTC
    (the sandbox writes these dates in UTC)."""
    return datetime.combine(date.fromisoformat(text), time(23, 59, 59), tzinfo=timezone.utc)


def bad_time_reason(name: str, field: str, value: str) -> str:
    """The reason for a spoilt time in the recorded case `name` (`..._no_zone`: a time with no
    offset, which no SLA clock can place; otherwise text that is not ISO-8601 at all)."""
    problem = "has no time zone" if name.endswith("_no_zone") else "is not a valid ISO-8601 time"
    return f"{field} {problem}: {value!r}"


def fields_present(record: dict[str, Any], missing: str) -> str:
    """The list a missing-field reason shows, so a person sees what came instead."""
    return ", ".join(sorted(set(record) - {missing}))
