"""Frames and row dicts from tower/data turned into plain values a pydantic model accepts:
pandas Timestamps into aware datetimes, NaN/NaT into None, numpy scalars and Decimals into
Python numbers."""

from __future__ import annotations

import base64
import binascii
import json
import math
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import pandas as pd

from tower.api.problems import Problem


def value(v: Any) -> Any:
    if v is None or v is pd.NaT:  # NaT is a datetime subclass: test it first
        return None
    if isinstance(v, pd.Timestamp):
        return None if pd.isna(v) else v.to_pydatetime()
    if isinstance(v, datetime):
        return v if v.tzinfo else v.replace(tzinfo=timezone.utc)
    if isinstance(v, Decimal):
        return float(v)
    if hasattr(v, "item") and not isinstance(v, (list, dict, str)):  # numpy scalar
        v = v.item()
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def row(mapping: dict[str, Any]) -> dict[str, Any]:
    return {k: value(v) for k, v in mapping.items()}


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [row(r) for r in frame.to_dict("records")]


def encode_cursor(state: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(state, separators=(",", ":")).encode()).decode().rstrip("=")


def decode_cursor(text: str | None, *, keys: tuple[str, ...]) -> dict[str, Any] | None:
    """The state in a cursor this API gave out; 400 for anything else."""
    if not text:
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        state = None
    if not isinstance(state, dict) or set(state) != set(keys):
        raise Problem(400, "Invalid cursor", "Pass back a next_cursor this API returned, unchanged.")
    return state
