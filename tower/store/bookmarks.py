"""Collector bookmarks: per (source, stream), the replication key's last value.

The runner reads a bookmark before a run and writes the new one in the SAME transaction as the
milestones it covers, so the bookmark can never run ahead of the data. Functions never commit.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "bookmarks.sql")


def get(*, conn: Connection, source: str, stream: str) -> dict[str, Any] | None:
    """The stored bookmark value (a JSON object), or None before the first successful page."""
    value = conn.execute(_Q["get"], {"source": source, "stream": stream}).scalar_one_or_none()
    return dict(value) if value is not None else None


def put(*, conn: Connection, source: str, stream: str, value: dict[str, Any], now: datetime) -> None:
    """Insert or replace the bookmark; part of the caller's transaction."""
    conn.execute(_Q["put"], {"source": source, "stream": stream,
                             "value": json.dumps(value, default=str, sort_keys=True), "now": now})


def all_bookmarks(*, conn: Connection) -> pd.DataFrame:
    """One row per (source, stream): source str, stream str, value dict, updated_at tz-aware UTC."""
    rows = conn.execute(_Q["all_bookmarks"]).mappings().all()
    return pd.DataFrame(rows, columns=["source", "stream", "value", "updated_at"])
