"""Keep the rollups of /flow (flow_transition_days, flow_order_days) in step with the facts.

The rollups are sums of what each fact contributes (the views of migration 0025), per UTC day
of placed_at and per aligned block of 4, 16, 64 and 256 days (migration 0023; `blocks` cuts a
read's period into the fewest of them, so a long period reads a few rows per transition rather
than one per day). A transition row keeps its durations as histograms of buckets of hours
(migration 0028), so a row is one transition, day and dimension value, not one per bucket.
Counts and sums add up, so when orders are rebuilt their old contributions are subtracted and
their new ones added — to the day and to every block over it — in the caller's transaction:
the work is what the changed orders cost, never the days they sit on (recomputing each touched
day read the whole history every minute of a steady stream).
`rebuild_days` recomputes days, and every block over them, from every fact placed in them: the
reference the maintained rows are tested against.

The only thing deltas cannot give exactly is float rounding in total_hours (a sum taken in
another order); the tests hold the maintained rollups to a rebuild within 1e-12 relative.
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


def begin(*, conn: Connection) -> None:
    """Start collecting deltas in this transaction."""
    for name in ("create_transition_delta", "create_transition_rows", "create_order_delta",
                 "clear_transition_delta", "clear_transition_rows", "clear_order_delta"):
        conn.execute(_Q[name])


def subtract(*, conn: Connection, order_ids: Sequence[str]) -> None:
    """Take away what the stored facts of `order_ids` contribute (call before they are deleted)."""
    _orders_delta(conn, order_ids, sign=-1)


def add(*, conn: Connection, order_ids: Sequence[str]) -> None:
    """Add what the facts of `order_ids` contribute now (call after they are rebuilt)."""
    _orders_delta(conn, order_ids, sign=1)


def _orders_delta(conn: Connection, order_ids: Sequence[str], *, sign: int) -> None:
    ids = list(order_ids)
    conn.execute(_Q["orders_transition_delta"], {"order_ids": ids, "object_types": OBJECT_TYPES, "sign": sign})
    conn.execute(_Q["orders_order_delta"], {"order_ids": ids, "sign": sign})


def fold(*, conn: Connection, spans: Sequence[int] = SPANS) -> None:
    """Add the collected deltas to the stored rows of every span in `spans` and drop the rows
    left empty."""
    params = {"spans": list(spans)}
    # The planner would sort the bucket rows to build the histograms (see the statement); the
    # setting lasts only for this one statement.
    conn.execute(_Q["hash_aggregates_only"])
    conn.execute(_Q["pivot_transition_delta"], params)
    conn.execute(_Q["sorts_allowed"])
    for name in ("fold_transition_rows", "fold_order_delta", "remove_empty_transition_rows",
                 "remove_empty_order_rows"):
        conn.execute(_Q[name], params)


def rebuild_days(*, conn: Connection, days: Iterable[date]) -> int:
    """Recompute the rollups of `days`, and of every block over them, from every fact placed in
    them; the number of days asked for."""
    days = set(days)
    for span in SPANS:
        covered = {block_start(day, span) + timedelta(days=i) for day in days for i in range(span)}
        begin(conn=conn)
        for start, end in runs(covered):
            bounds = {"span": span, "start_day": start, "end_day": end, "start": _utc(start), "end": _utc(end)}
            conn.execute(_Q["clear_transition_days"], bounds)
            conn.execute(_Q["clear_order_days"], bounds)
            conn.execute(_Q["days_transition_delta"], {**bounds, "object_types": OBJECT_TYPES})
            conn.execute(_Q["days_order_delta"], bounds)
        fold(conn=conn, spans=(span,))
    return len(days)
