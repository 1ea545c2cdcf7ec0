"""Times for people: in the warehouse's or the viewer's zone, always with the zone named."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from tower.rules.policy import Policy


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def warehouse_zones(policy: Policy) -> dict[str, str]:
    """warehouse code -> IANA zone, from the calendars of `policy` (the one the app runs with)."""
    return {code: str(policy.calendars[spec.get("calendar", policy.default_calendar)].tz)
            for code, spec in policy.warehouses.items()
            if spec.get("calendar", policy.default_calendar) in policy.calendars}


def warehouse_zone(zones: Mapping[str, str], warehouse: str | None, fallback: str = "UTC") -> str:
    """The IANA zone to show a warehouse's times in (`zones`: warehouse_zones); `fallback`
    (the viewer's) if unknown."""
    return zones.get(warehouse or "", fallback)


def fmt(ts: datetime | pd.Timestamp | None, tz: str = "UTC", *, seconds: bool = False) -> str:
    """'27 Nov 2026 04:31 CST' — the zone's abbreviation always shown; '—' for no time."""
    if ts is None or (isinstance(ts, float)) or pd.isna(ts):
        return "—"
    if isinstance(ts, pd.Timestamp):
        ts = ts.to_pydatetime()
    if ts.tzinfo is None:  # the store only holds aware times; be explicit if one slips through
        ts = ts.replace(tzinfo=timezone.utc)
    local = ts.astimezone(zone(tz))
    return local.strftime("%d %b %Y %H:%M:%S %Z" if seconds else "%d %b %Y %H:%M %Z")


def ago(seconds: float | None) -> str:
    """A duration in words: '47 min', '3 h 5 min', '2 d 4 h'."""
    if seconds is None or pd.isna(seconds):
        return "—"
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds} s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def zone_name(tz: str, at: datetime | None = None) -> str:
    """'America/Chicago (CST)': the zone and its abbreviation at `at` (default now)."""
    when = (at or datetime.now(timezone.utc)).astimezone(zone(tz))
    return f"{tz} ({when.strftime('%Z')})" if when.strftime("%Z") != tz else tz
