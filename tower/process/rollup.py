"""Keep the rollups of /flow (flow_transition_days, flow_order_days) in step with the facts.

The rollup of a UTC day (of placed_at) is a function of that day's facts, so whenever orders are
rebuilt the days they were and are placed on are recomputed from the facts, set-based, in the
caller's transaction — the rollups can never disagree with the facts they summarise. Recomputing
a day (not applying deltas) keeps the sums exactly what the facts give.

Beside the day rows (span_days 1) the same figures are kept per aligned block of 4, 16, 64 and
256 days (migration 0023), each block the sum of the four below it, rebuilt right after the days
under it; `blocks` cuts a read's period into the fewest of them, so a long period reads a few
rows per transition and bucket rather than one per day.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Iterable, Sequence

from sqlalchemy.engine import Connection

from tower import sqlfiles

_Q = sqlfiles.load(__file__, "rollup.sql")
OBJECT_TYPES = ["order", "line", "shipment", "invoice"]
# Block sizes in days, each four of the one before (the SQL's flow_block_start aligns them the
# same way: on multiples of the size counted from BLOCK_EPOCH).
SPANS = (1, 4, 16, 64, 256)
BLOCK_EPOCH = date(2000, 1, 3)


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


def block_start(day: date, span_days: int) -> date:
    """The first day of the block of `span_days` days that holds `day`."""
    return day - timedelta(days=(day - BLOCK_EPOCH).days % span_days)


def blocks(start: date, end: date) -> list[tuple[int, date]]:
    """[start, end) as the fewest aligned blocks, (span_days, first day) in day order: from each
    day on, the largest block that starts there and ends by `end`."""
    out: list[tuple[int, date]] = []
    day = start
    while day < end:
        span = next(s for s in reversed(SPANS)
                    if block_start(day, s) == day and day + timedelta(days=s) <= end)
        out.append((span, day))
        day += timedelta(days=span)
    return out


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


def rebuild_days(*, conn: Connection, days: Iterable[date]) -> int:
    """Recompute the rollups of `days` from the facts, then every block over them from the
    size below; the number of days recomputed."""
    days = set(days)
    count = 0
    for start, end in runs(days):
        span = {"start_day": start, "end_day": end, "start": _utc(start), "end": _utc(end)}
        conn.execute(_Q["clear_transition_days"], span)
        conn.execute(_Q["clear_order_days"], span)
        conn.execute(_Q["insert_transition_days"], {**span, "object_types": OBJECT_TYPES})
        conn.execute(_Q["insert_order_days"], span)
        count += (end - start).days
    for smaller, size in zip(SPANS, SPANS[1:]):
        sizes = {"size": size, "smaller": smaller, "starts": sorted({block_start(d, size) for d in days})}
        if not sizes["starts"]:
            break
        for name in ("clear_transition_blocks", "clear_order_blocks", "insert_transition_blocks",
                     "insert_order_blocks"):
            conn.execute(_Q[name], sizes)
    return count
