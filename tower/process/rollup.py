"""Keep the daily rollups of /flow (flow_transition_days, flow_order_days) in step with the facts.

The rollup of a UTC day (of placed_at) is a function of that day's facts, so whenever orders are
rebuilt the days they were and are placed on are recomputed from the facts, set-based, in the
caller's transaction — the rollups can never disagree with the facts they summarise. Recomputing
a day (not applying deltas) keeps the sums exactly what the facts give.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Sequence

from sqlalchemy.engine import Connection

from tower import sqlfiles

_Q = sqlfiles.load(__file__, "rollup.sql")
OBJECT_TYPES = ["order", "line", "shipment", "invoice"]


def touched_days(*, conn: Connection, order_ids: Sequence[str]) -> set[date]:
    """The UTC days on which the facts of `order_ids` are placed now."""
    return set(conn.execute(_Q["touched_days"], {"order_ids": list(order_ids)}).scalars())


def runs(days: Iterable[date]) -> list[tuple[date, date]]:
    """Consecutive days as [start, end) ranges: {1, 2, 3, 7} -> [(1, 4), (7, 8)]."""
    out: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if out and out[-1][1] == day:
            out[-1] = (out[-1][0], day + timedelta(days=1))
        else:
            out.append((day, day + timedelta(days=1)))
    return out


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


def rebuild_days(*, conn: Connection, days: Iterable[date]) -> int:
    """Recompute the rollups of `days` from the facts; the number of days recomputed."""
    count = 0
    for start, end in runs(days):
        span = {"start_day": start, "end_day": end, "start": _utc(start), "end": _utc(end)}
        conn.execute(_Q["clear_transition_days"], span)
        conn.execute(_Q["clear_order_days"], span)
        conn.execute(_Q["insert_transition_days"], {**span, "object_types": OBJECT_TYPES})
        conn.execute(_Q["insert_order_days"], span)
        count += (end - start).days
    return count
