"""The projection queue: what a backlog page defers, a drain projects whole, and an ingest that
projects at once never shows an order's header ahead of its lines."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.store.events import order_life
from tests.store.snapshot import projections, truncate
from tower.store import ingest, projection_queue
from tower.store.errors import StoreError
from tower.store.rebuild import rebuild_projections

PLACED, RELEASED = order_life("SO-Q1")[0], order_life("SO-Q1")[2]


@pytest.fixture
def conn(engine):
    with engine.connect() as conn, conn.begin():
        truncate(conn, "milestones, order_lines, shipments, invoices, payments, returns, identifiers, "
                       "parked_milestones, dirty_orders, projection_queue, orders")
        yield conn


def _lines(conn, order_id: str) -> list[tuple]:
    return conn.execute(sa.text("SELECT line_no, qty_ordered FROM order_lines WHERE order_id = :o ORDER BY line_no"),
                        {"o": order_id}).all()


def test_an_order_waiting_in_the_queue_is_projected_whole_by_an_ingest_that_projects_at_once(conn):
    ingest(conn=conn, milestones=[PLACED], defer_projection=True)
    assert conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one() == 0
    # A release reads only the header; the placed fact, stored but waiting, brings the lines.
    ingest(conn=conn, milestones=[RELEASED])
    placed_at, = conn.execute(sa.text("SELECT placed_at FROM orders WHERE order_id = 'SO-Q1'")).one()
    assert placed_at is not None
    assert [(n, float(q)) for n, q in _lines(conn, "SO-Q1")] == [(1, 10.0), (2, 6.0)]


def test_a_drain_takes_every_row_of_the_orders_it_takes_and_projects_them_once(conn):
    lives = {o: order_life(o) for o in ("SO-Q1", "SO-Q2", "SO-Q3")}
    for step in range(3):   # three pages, each touching the three orders
        ingest(conn=conn, milestones=[life[step] for life in lives.values()], defer_projection=True)
    assert projection_queue.depth(conn=conn).orders == 3
    upto = projection_queue.head(conn=conn)
    assert projection_queue.project_queued(conn=conn, upto=upto, limit=1) == 1
    left = conn.execute(sa.text("SELECT order_id, count(*) FROM projection_queue GROUP BY 1 ORDER BY 1")).all()
    assert left == [("SO-Q2", 3), ("SO-Q3", 3)]
    while projection_queue.project_queued(conn=conn, upto=upto):
        pass
    assert projection_queue.depth(conn=conn) == projection_queue.Depth(0, None)
    drained = projections(conn)
    rebuild_projections(conn=conn)
    assert projections(conn) == drained and len(drained["orders"]) == 3


def test_rows_queued_after_the_drain_began_wait_for_the_next_one(conn):
    ingest(conn=conn, milestones=[PLACED], defer_projection=True)
    upto = projection_queue.head(conn=conn)
    ingest(conn=conn, milestones=[order_life("SO-Q2")[0]], defer_projection=True)
    while projection_queue.project_queued(conn=conn, upto=upto):
        pass
    assert conn.execute(sa.text("SELECT order_id FROM projection_queue")).scalars().all() == ["SO-Q2"]


def test_a_drain_that_fails_puts_its_rows_back(engine):
    with engine.begin() as conn:
        truncate(conn, "milestones, order_lines, shipments, invoices, payments, returns, identifiers, "
                       "parked_milestones, dirty_orders, projection_queue, orders")
        ingest(conn=conn, milestones=[PLACED], defer_projection=True)
        conn.execute(sa.text("""
            CREATE FUNCTION refuse_order() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'disk full (test)'; END $$;
            CREATE TRIGGER refuse_order BEFORE INSERT ON orders FOR EACH ROW EXECUTE FUNCTION refuse_order();"""))
    try:
        with pytest.raises(StoreError, match="disk full"), engine.begin() as conn:
            projection_queue.project_queued(conn=conn, upto=projection_queue.head(conn=conn))
        with engine.connect() as conn:
            assert projection_queue.depth(conn=conn).orders == 1
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("DROP TRIGGER refuse_order ON orders; DROP FUNCTION refuse_order()"))
