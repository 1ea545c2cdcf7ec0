"""The blocks of days in /flow's rollups (migration 0023) hold what the day rows under them add up
to, and stay so when orders change and the job rebuilds only them.

A read cuts its period into blocks (`rollup.blocks`); the cut must cover the period exactly,
with aligned blocks only, the same alignment as the SQL's flow_block_start. After orders change
(a late milestone on orders of several days, one order moved to another day) and only the
stale ones are rebuilt, every block row equals the sum of the day rows it covers, and every
rollup row (days and blocks) equals what a rebuild of every day from the facts gives.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from tests.data import factory
from tests.process.test_refresh_matches_reference import NOW, POLICY, deviating_orders
from tower.process import refresh, rollup
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

TRANSITION_KEY = "object_type, dim, value, warehouse, from_kind, to_kind, measure, bucket"
ORDER_KEY = "dim, value, warehouse, subject, bucket"
# The transition rows with their histograms unfolded: one cell per measure and bucket, so that
# blocks and rebuilds are compared bucket by bucket whatever order the arrays are in.
TRANSITION_CELLS = """(
    SELECT span_days, day, object_type, dim, value, warehouse, from_kind, to_kind, 'count' AS measure, -1 AS bucket,
           n, total_hours FROM flow_transition_days
    UNION ALL
    SELECT span_days, day, object_type, dim, value, warehouse, from_kind, to_kind, 'business', h.bucket, h.n, NULL
    FROM flow_transition_days CROSS JOIN unnest(business_buckets, business_counts) AS h(bucket, n)
    UNION ALL
    SELECT span_days, day, object_type, dim, value, warehouse, from_kind, to_kind, 'wall', h.bucket, h.n, NULL
    FROM flow_transition_days CROSS JOIN unnest(wall_buckets, wall_counts) AS h(bucket, n)) cells"""


@pytest.fixture
def store(engine):
    _, milestones = factory.build(120, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones + deviating_orders(NOW)).rejected
        refresh.refresh(conn=conn, policy=POLICY, order_ids=list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars()))
    return engine


@pytest.mark.parametrize("start, days", [(date(2026, 11, 20), 1), (date(2026, 8, 22), 91), (date(2025, 11, 21), 365),
                                         (date(1999, 12, 1), 70), (date(2026, 1, 5), 256), (date(2026, 3, 3), 0)])
def test_a_period_is_cut_into_aligned_blocks_that_cover_it_exactly(start, days):
    end = start + timedelta(days=days)
    cut = rollup.blocks(start, end)
    covered = [first + timedelta(days=i) for span, first in cut for i in range(span)]
    assert covered == [start + timedelta(days=i) for i in range(days)]
    assert all(span in rollup.SPANS and rollup.block_start(first, span) == first for span, first in cut)
    # from each day on, no larger block would have fitted: the fewest blocks
    assert all(not (rollup.block_start(first, bigger) == first and first + timedelta(days=bigger) <= end)
               for span, first in cut for bigger in rollup.SPANS if bigger > span)


def test_a_long_period_reads_far_fewer_rows_than_days():
    assert len(rollup.blocks(date(2025, 11, 21), date(2026, 11, 21))) < 365 / 10


def test_block_starts_are_the_same_in_python_and_in_sql(engine):
    days = [date(1999, 12, 30) + timedelta(days=i * 37) for i in range(300)]
    with engine.connect() as conn:
        for span in rollup.SPANS:
            in_sql = conn.execute(sa.text("SELECT flow_block_start(d, :span) FROM unnest(CAST(:days AS date[])) d"),
                                  {"span": span, "days": days}).scalars().all()
            assert in_sql == [rollup.block_start(d, span) for d in days]


def _source(table: str) -> str:
    return TRANSITION_CELLS if table == "flow_transition_days" else table


def _rows(conn, table: str, key: str) -> dict[tuple, tuple]:
    sums = "n, total_hours" if table == "flow_transition_days" else "n, NULL"
    fetched = conn.execute(sa.text(f"SELECT span_days, day, {key}, {sums} FROM {_source(table)}")).all()
    rows = {tuple(r[:-2]): tuple(r[-2:]) for r in fetched}
    assert len(rows) == len(fetched), "a bucket appears twice in one histogram"
    assert all(n != 0 for n, _ in rows.values()), "an empty row or bucket was kept"
    return rows


def _blocks_from_days(conn, table: str, key: str) -> dict[tuple, tuple]:
    sums = "sum(n), sum(total_hours)" if table == "flow_transition_days" else "sum(n), NULL"
    out: dict[tuple, tuple] = {}
    for span in rollup.SPANS[1:]:
        for r in conn.execute(sa.text(
                f"SELECT flow_block_start(day, :span), {key}, {sums} FROM {_source(table)} WHERE span_days = 1 "
                f"GROUP BY flow_block_start(day, :span), {key}"), {"span": span}):
            out[(span, *r[:-2])] = tuple(r[-2:])
    return out


def _assert_same(got: dict[tuple, tuple], want: dict[tuple, tuple]) -> None:
    assert got.keys() == want.keys()
    for key, (n, total) in want.items():
        assert got[key][0] == n, key
        if total is None:
            assert got[key][1] is None, key
        else:
            assert got[key][1] == pytest.approx(total, rel=1e-12, abs=1e-9), key


def _change_orders(conn) -> None:
    """A late credit hold on the first order of several days, and one order placed a week earlier."""
    firsts = conn.execute(sa.text(
        "SELECT DISTINCT ON (placed_at::date) order_id, placed_at FROM orders WHERE placed_at IS NOT NULL "
        "ORDER BY placed_at::date, order_id LIMIT 6")).all()
    late = []
    for order_id, _ in firsts:
        last = conn.execute(sa.text("SELECT max(occurred_at) FROM milestones WHERE order_id = :o"), {"o": order_id}).scalar_one()
        late.append(Milestone(source="erp", source_event_id=f"{order_id}-late-hold", kind="credit_hold",
                              occurred_at=last + timedelta(hours=5), order_id=order_id))
    assert not ingest(conn=conn, milestones=late).rejected
    moved = firsts[-1][0]
    conn.execute(sa.text("UPDATE orders SET placed_at = placed_at - interval '7 days' WHERE order_id = :o"), {"o": moved})
    conn.execute(sa.text("UPDATE flow_orders SET milestone_count = -1 WHERE order_id = :o"), {"o": moved})   # stale


def test_every_block_is_the_sum_of_its_days_after_orders_change_and_only_they_are_rebuilt(store):
    with store.begin() as conn:
        _change_orders(conn)
        stale = refresh.stale(conn=conn, policy=POLICY, limit=100)
        assert 6 <= len(stale) < 20
        refresh.refresh(conn=conn, policy=POLICY, order_ids=stale)
    with store.connect() as conn:
        assert refresh.stale(conn=conn, policy=POLICY, limit=10) == []
        for table, key in (("flow_transition_days", TRANSITION_KEY), ("flow_order_days", ORDER_KEY)):
            stored = {k: v for k, v in _rows(conn, table, key).items() if k[0] > 1}
            assert stored, table
            _assert_same(stored, _blocks_from_days(conn, table, key))


def test_the_maintained_rollups_equal_a_rebuild_of_every_day_from_the_facts(store):
    with store.begin() as conn:
        _change_orders(conn)
        refresh.refresh(conn=conn, policy=POLICY, order_ids=refresh.stale(conn=conn, policy=POLICY, limit=100))
    with store.begin() as conn:
        maintained = {t: _rows(conn, t, k) for t, k in (("flow_transition_days", TRANSITION_KEY),
                                                         ("flow_order_days", ORDER_KEY))}
        conn.execute(sa.text("DELETE FROM flow_transition_days"))
        conn.execute(sa.text("DELETE FROM flow_order_days"))
        days = set(conn.execute(sa.text(
            "SELECT DISTINCT (placed_at AT TIME ZONE 'UTC')::date FROM flow_orders WHERE placed_at IS NOT NULL")).scalars())
        rollup.rebuild_days(conn=conn, days=days)
        for table, key in (("flow_transition_days", TRANSITION_KEY), ("flow_order_days", ORDER_KEY)):
            _assert_same(maintained[table], _rows(conn, table, key))
