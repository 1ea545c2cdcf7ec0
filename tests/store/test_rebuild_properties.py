"""Property: the batched ingest path gives exactly the projections of a recomputation over
the complete set of events (tower.store.rebuild), for any permutation, duplication and batch
split of the same events — carrier scans and payments addressed by reference included."""

from __future__ import annotations

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.events import order_life
from tests.store.snapshot import projections, truncate
from tower.store import ingest
from tower.store.rebuild import rebuild_projections

STREAM = (order_life("SO-R1", partial=False) + order_life("SO-R2", partial=True)
          + order_life("SO-R3", partial=True, with_return=False))
PROJECTION_TABLES = "orders, order_lines, shipments, invoices, payments, returns"


def _reset(conn) -> None:
    truncate(conn, f"milestones, identifiers, parked_milestones, dirty_orders, {PROJECTION_TABLES}")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_batched_ingest_equals_a_recomputation_over_the_whole_set(engine, data):
    order = data.draw(st.permutations(range(len(STREAM))))
    repeats = data.draw(st.lists(st.integers(0, len(STREAM) - 1), max_size=12))
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(STREAM) + 11), max_size=8))))
    stream = [STREAM[i] for i in order] + [STREAM[i] for i in repeats]
    bounds = [0, *[c for c in cuts if c < len(stream)], len(stream)]
    with engine.connect() as conn, conn.begin():
        _reset(conn)
        for start, end in zip(bounds, bounds[1:]):
            ingest(conn=conn, milestones=stream[start:end])
        batched = projections(conn)
        truncate(conn, PROJECTION_TABLES)
        assert rebuild_projections(conn=conn) == 3
        assert projections(conn) == batched
        assert batched["orders"] and batched["shipments"] and batched["payments"]


def test_rebuilding_some_orders_leaves_the_others_alone(engine):
    with engine.connect() as conn, conn.begin():
        _reset(conn)
        ingest(conn=conn, milestones=STREAM)
        before = projections(conn)
        conn.execute(sa.text("UPDATE orders SET milestone_count = 0"))
        assert rebuild_projections(conn=conn, order_ids=["SO-R2", "SO-NONE"]) == 1
        counts = dict(conn.execute(sa.text("SELECT order_id, milestone_count FROM orders")).all())
        assert counts["SO-R1"] == 0 and counts["SO-R3"] == 0
        assert counts["SO-R2"] == next(o["milestone_count"] for o in before["orders"] if o["order_id"] == "SO-R2")
