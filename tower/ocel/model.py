"""The in-between shape of an OCEL log, shared by the writers and the readers.

Attribute values travel as text in every encoding (the OCEL 2.0 JSON schema types values as
strings) with a declared type per event/object type: `value_text` writes one, `parse_value`
reads it back. Numbers keep their written form (an integer stays an integer even under a
"float" declaration), so a log read and written again is the same log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

TYPES = ("string", "time", "integer", "float", "boolean")


@dataclass
class Event:
    id: str
    type: str
    time: datetime
    attributes: dict[str, Any] = field(default_factory=dict)
    relationships: list[tuple[str, str]] = field(default_factory=list)  # (object id, qualifier)


@dataclass
class Object:
    id: str
    type: str
    changes: list[tuple[str, datetime, Any]] = field(default_factory=list)  # (name, time, value)
    relationships: list[tuple[str, str]] = field(default_factory=list)


EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, datetime):
        return "time"
    return "string"


def widen(old: str | None, new: str) -> str:
    """The declared type that holds both: integer+float -> float, anything else mixed -> string."""
    if old is None or old == new:
        return new
    if {old, new} == {"integer", "float"}:
        return "float"
    return "string"


def time_text(when: datetime) -> str:
    """ISO-8601 in UTC with a Z, always to the microsecond (one format for every reader)."""
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return time_text(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True, separators=(",", ":"))
    return str(value)


def parse_time(text: str, *, naive_zone=timezone.utc) -> datetime:
    t = text.strip().replace("Z", "+00:00")
    if " " in t and "T" not in t:
        t = t.replace(" ", "T", 1)
    parsed = datetime.fromisoformat(t)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=naive_zone)


def parse_value(text: Any, declared: str | None) -> Any:
    """A value read back by its declared type (non-text values from JSON pass through)."""
    if not isinstance(text, str):
        return text
    if declared == "boolean":
        return text.strip().lower() in ("true", "1", "yes")
    if declared in ("integer", "float"):
        try:
            return int(text) if text.strip().lstrip("-").isdigit() else float(text)
        except ValueError:
            return text
    if declared == "time":
        try:
            return parse_time(text)
        except ValueError:
            return text
    return text
