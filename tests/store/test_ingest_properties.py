"""Property: any permutation and duplication of a valid event stream, delivered in any batch
sizes, each batch projected at once or queued for a later drain (the collector reading a
backlog), yields the same projection as the ordered stream."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.events import order_life
from tests.store.snapshot import projections, truncate
from tower.store import ingest, projection_queue

STREAM = order_life("SO-P1", partial=False) + order_life("SO-P2", partial=True)


def _reset(conn) -> None:
    truncate(conn, "milestones, order_lines, shipments, invoices, payments, returns, identifiers, "
                   "parked_milestones, dirty_orders, projection_queue, orders")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_permuted_and_duplicated_streams_give_the_ordered_projection(engine, data):
    with engine.connect() as conn:
        with conn.begin():
            _reset(conn)
            ingest(conn=conn, milestones=STREAM)
            expected = projections(conn)
        order = data.draw(st.permutations(range(len(STREAM))))
        repeats = data.draw(st.lists(st.integers(0, len(STREAM) - 1), max_size=10))
        batch = data.draw(st.integers(1, 12))
        stream = [STREAM[i] for i in order] + [STREAM[i] for i in repeats]
        batches = [stream[i:i + batch] for i in range(0, len(stream), batch)]
        deferred = data.draw(st.lists(st.booleans(), min_size=len(batches), max_size=len(batches)))
        chunk = data.draw(st.integers(1, 3))   # queue rows whose orders one drain transaction takes
        with conn.begin():
            _reset(conn)
            for milestones, defer in zip(batches, deferred):
                ingest(conn=conn, milestones=milestones, defer_projection=defer)
            upto = projection_queue.head(conn=conn)
            while upto is not None and projection_queue.project_queued(conn=conn, upto=upto, limit=chunk):
                pass
            assert projection_queue.depth(conn=conn).orders == 0
            assert projections(conn) == expected
