"""What tower remembers of the sources that held evaluations, and what it re-queues when they
recover.

Recording which sources held an evaluation locks `source_states` only when the record
changes. The rules worker notes the stale sources in every evaluation, inside the transaction
that then writes orders; an upsert that changed nothing still locked the row, and the worker
and the sweep deadlocked in a fresh demo (the sweep then backed off two minutes, and the orders
judged during the catch-up waited that long to be judged again). When a source recovers while
another that also held an order is still stale, the order waits for the last of them: judged
again at once it would only be held again."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from tests.kpis import fixtures
from tower.evaluation import incidents
from tower.rules.facts import SourceFreshness
from tower.rules.policy import cached
from tower.store.ingest import ingest

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def _fresh(source: str, state: str, stale: bool) -> SourceFreshness:
    return SourceFreshness(source, NOW, 0.0 if not stale else 900.0, 15.0, stale, state, f"{source}: {state}")


def _held_elsewhere(engine: sa.Engine, source: str):
    """Another transaction holding the row of `source` (as a concurrent evaluation would)."""
    conn = engine.connect()
    tx = conn.begin()
    conn.execute(sa.text("SELECT 1 FROM source_states WHERE source = :s FOR UPDATE"), {"s": source})
    return conn, tx


def test_a_source_already_recorded_as_holding_is_not_written_again(engine):
    with engine.begin() as conn:
        incidents.note_held(conn=conn, freshness={"erp": _fresh("erp", "catching_up", True)}, now=NOW)
        assert conn.execute(sa.text("SELECT stale FROM source_states WHERE source = 'erp'")).scalar_one() is True
    other, tx = _held_elsewhere(engine, "erp")
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("SET LOCAL lock_timeout = '2s'"))   # waiting for the row would fail here
            incidents.note_held(conn=conn, freshness={"erp": _fresh("erp", "catching_up", True),
                                                      "wms": _fresh("wms", "up", False)}, now=NOW)
    finally:
        tx.rollback()
        other.close()


def test_a_source_not_yet_recorded_as_holding_is_written(engine):
    with engine.begin() as conn:
        incidents.note_held(conn=conn, freshness={"erp": _fresh("erp", "up", False)}, now=NOW)
        assert conn.execute(sa.text("SELECT count(*) FROM source_states")).scalar_one() == 0
        incidents.note_held(conn=conn, freshness={"erp": _fresh("erp", "down", True)}, now=NOW)
        assert conn.execute(sa.text("SELECT state, stale FROM source_states")).one() == ("down", True)


def test_the_lock_test_would_see_a_write_wait(engine):
    """The check above can fail: a write to a row another transaction holds times out."""
    with engine.begin() as conn:
        incidents.note_held(conn=conn, freshness={"erp": _fresh("erp", "catching_up", True)}, now=NOW)
    other, tx = _held_elsewhere(engine, "erp")
    try:
        with pytest.raises(sa.exc.OperationalError, match="lock timeout"):
            with engine.begin() as conn:
                conn.execute(sa.text("SET LOCAL lock_timeout = '1s'"))
                conn.execute(sa.text("UPDATE source_states SET updated_at = now() WHERE source = 'erp'"))
    finally:
        tx.rollback()
        other.close()


def _dirty(conn) -> set[str]:
    return set(conn.execute(sa.text("SELECT order_id FROM dirty_orders")).scalars())


def test_an_order_held_by_two_sources_is_judged_again_once_the_last_of_them_recovers(engine):
    both = fixtures._Order("BOTH", wh="DAL-1", region="South", channel="edi", cust="C-1", lines=[(1, 1, 10.0)], promised=24)
    erp_only = fixtures._Order("ERP", wh="DAL-1", region="South", channel="edi", cust="C-2", lines=[(1, 1, 10.0)], promised=24)
    policy = cached()
    catching = {s: _fresh(s, "catching_up", True) for s in ("erp", "carrier")}
    with engine.begin() as conn:
        ingest(conn=conn, milestones=both.events + erp_only.events)
        conn.execute(sa.text("UPDATE orders SET reason_facts = CAST(:f AS jsonb) WHERE order_id = :o"),
                     [{"o": "BOTH", "f": '{"stale_sources": ["carrier", "erp"]}'},
                      {"o": "ERP", "f": '{"stale_sources": ["erp"]}'}])
        incidents.sync_incidents(conn=conn, freshness=catching, policy=policy, now=NOW)
        conn.execute(sa.text("DELETE FROM dirty_orders"))
        # ERP has caught up, the carrier has not: BOTH would be held again by the carrier.
        incidents.sync_incidents(conn=conn, freshness={**catching, "erp": _fresh("erp", "up", False)},
                                 policy=policy, now=NOW)
        assert _dirty(conn) == {"ERP"}
        conn.execute(sa.text("DELETE FROM dirty_orders"))
        incidents.sync_incidents(conn=conn, freshness={"erp": _fresh("erp", "up", False),
                                                       "carrier": _fresh("carrier", "up", False)},
                                 policy=policy, now=NOW)
        assert _dirty(conn) == {"BOTH"}
