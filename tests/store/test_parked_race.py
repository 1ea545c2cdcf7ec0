"""A reference learnt by one batch while a concurrent batch parks an event waiting for it: both
commit, neither saw the other. The event must not stay parked until some later, unrelated batch
happens to arrive (at a quiet time, none does): `settle_parked` links it, and the collector runner
calls it at the end of every run."""

from __future__ import annotations

import sqlalchemy as sa

from tests.store.events import order_life
from tower.store.ingest import ingest, settle_parked


def _count(conn, table: str) -> int:
    return conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()


def _race(engine: sa.Engine) -> tuple[list[dict], list[dict]]:
    events = order_life(with_return=False)
    scans = [e for e in events if e["source"] == "carrier"]
    others = [e for e in events if e["source"] != "carrier"]
    with engine.connect() as parking, engine.connect() as learning:
        with parking.begin():
            early = ingest(conn=parking, milestones=scans)
            assert early.parked == len(scans)
            # The ship confirm (which teaches the tracking number) commits first; the parking
            # batch's rows are not visible to it yet.
            with learning.begin():
                later = ingest(conn=learning, milestones=others)
                assert later.unparked == 0
    return scans, others


def test_an_event_parked_concurrently_with_its_reference_stays_parked_without_a_settle(engine):
    scans, _ = _race(engine)
    with engine.connect() as conn:
        assert _count(conn, "parked_milestones") == len(scans)
        delivered = conn.execute(sa.text("SELECT delivered_at FROM shipments WHERE tracking_no LIKE '1Z%'")).scalar_one()
    assert delivered is None


def test_settle_parked_links_events_whose_reference_is_now_known(engine):
    scans, _ = _race(engine)
    with engine.begin() as conn:
        settled = settle_parked(conn=conn)
    with engine.connect() as conn:
        assert _count(conn, "parked_milestones") == 0
        delivered = conn.execute(sa.text("SELECT delivered_at IS NOT NULL FROM shipments WHERE tracking_no LIKE '1Z%'")).scalar_one()
        stored = conn.execute(sa.text("SELECT count(*) FROM milestones WHERE source = 'carrier'")).scalar_one()
    assert settled.unparked == len(scans) and settled.inserted == len(scans)
    assert delivered and stored == len(scans)


def test_settle_parked_leaves_events_whose_reference_is_still_unknown(engine):
    scans = [e for e in order_life(with_return=False) if e["source"] == "carrier"]
    with engine.begin() as conn:
        ingest(conn=conn, milestones=scans)
    with engine.begin() as conn:
        settled = settle_parked(conn=conn)
        assert _count(conn, "parked_milestones") == len(scans)
    assert settled.unparked == 0 and settled.inserted == 0
