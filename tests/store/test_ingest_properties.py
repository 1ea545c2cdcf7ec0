"""Property: any permutation and duplication of a valid event stream, delivered in any batch
sizes, yields the same projection as the ordered stream."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.store.events import order_life
from tests.store.snapshot import projections, truncate
from tower.store import ingest

STREAM = order_life("SO-P1", partial=False) + order_life("SO-P2", partial=True)


def _reset(conn) -> None:
    truncate(conn, "milestones, order_lines, shipments, invoices, payments, returns, identifiers, "
                   "parked_milestones, dirty_orders, orders")


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
        with conn.begin():
            _reset(conn)
            for i in range(0, len(stream), batch):
                ingest(conn=conn, milestones=stream[i:i + batch])
            assert projections(conn) == expected
