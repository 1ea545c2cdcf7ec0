"""The event id of a pushed carrier event and the text of a pushed EDI file (pure)."""

from __future__ import annotations

from typing import Any

from tower.intake.signatures import kind


class InvalidEvent(ValueError):
    """The pushed body is not an event tower can key: the message says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def event_id(provider: str, body: Any) -> str:
    """The provider's id for the event (the dedupe key); InvalidEvent if there is none."""
    if not isinstance(body, dict):
        raise InvalidEvent(f"the event is not a JSON object but {type(body).__name__}")
    field = "id" if kind(provider) == "easypost" else "event_id"
    value = body.get(field)
    if value is None or value == "":
        extra = sorted(set(body) - {field})
        raise InvalidEvent(f"missing field {field!r} (fields present: {', '.join(map(str, extra))})")
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidEvent(f"field {field!r} must be text, got {type(value).__name__} {value!r}")
    return str(value)


def decode(data: bytes) -> str:
    """Text from bytes: UTF-8 (with or without a byte-order mark), else Latin-1, which maps
    every byte and so never fails (X12 and EDIFACT level A/B are ASCII anyway)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")
