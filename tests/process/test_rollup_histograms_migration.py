"""Migration 0028 turns the rollup's bucket rows into histograms without losing a count.

A store at version 27 holds /flow's transition rollup as one row per bucket of hours, filled here
the way that version's job left it (every contribution summed per dimension, span and bucket).
After the migration, its rows, unfolded bucket by bucket, equal a rebuild of every day and block
from the facts by the current code.
"""

from __future__ import annotations

import shutil

import sqlalchemy as sa

from tests.data import factory
from tests.process.test_refresh_matches_reference import NOW, POLICY, deviating_orders
from tests.process.test_rollup_blocks import TRANSITION_KEY, _assert_same, _rows
from tower.db import make_engine
from tower.migrate import MIGRATIONS_DIR, current_version, discover, migrate
from tower.process import refresh, rollup
from tower.store.ingest import ingest

BUCKET_ROWS_AT_VERSION_27 = sa.text("""
INSERT INTO flow_transition_days (object_type, dim, value, span_days, day, warehouse, from_kind, to_kind,
                                  measure, bucket, n, total_hours)
SELECT c.object_type, x.dim, x.value, s.span, flow_block_start(c.day, s.span), c.warehouse, c.from_kind, c.to_kind,
       c.measure, c.bucket, count(*), sum(c.hours)
FROM flow_transition_contributions c
CROSS JOIN LATERAL (VALUES ('*', '*'), ('channel', c.channel), ('tier', c.tier), ('carrier', c.carrier)) AS x(dim, value)
CROSS JOIN unnest(ARRAY[1, 4, 16, 64, 256]) AS s(span)
GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
""")


def test_the_bucket_rows_of_a_version_27_store_become_histograms_that_equal_a_rebuild(empty_db_url, tmp_path):
    for migration in discover():
        if migration.version <= 27:
            shutil.copy(migration.path, tmp_path / migration.path.name)
    engine = make_engine(empty_db_url)
    migrate(engine, tmp_path)
    assert current_version(engine) == 27
    _, milestones = factory.build(80, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones + deviating_orders(NOW)).rejected
        ids = list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars())
        refresh.ensure_calendars(conn=conn, policy=POLICY)
        params = refresh.model_parameters(POLICY.flow_model)
        conn.execute(refresh._Q["insert_transitions"], {"order_ids": ids, "kinds": params["kinds"], "ranks": params["ranks"]})
        bucket_rows = conn.execute(BUCKET_ROWS_AT_VERSION_27).rowcount
    assert bucket_rows > 1000

    migrate(engine, MIGRATIONS_DIR)
    with engine.begin() as conn:
        migrated = _rows(conn, "flow_transition_days", TRANSITION_KEY)
        assert len(migrated) == bucket_rows
        # one row per transition, day and dimension: as many as there were 'count' rows
        assert conn.execute(sa.text("SELECT count(*) FROM flow_transition_days")).scalar_one() == \
            sum(1 for key in migrated if key[8] == "count") < bucket_rows / 3
        conn.execute(sa.text("DELETE FROM flow_transition_days"))
        days = set(conn.execute(sa.text(
            "SELECT DISTINCT (placed_at AT TIME ZONE 'UTC')::date FROM flow_transitions WHERE placed_at IS NOT NULL")).scalars())
        rollup.rebuild_days(conn=conn, days=days)
        _assert_same(migrated, _rows(conn, "flow_transition_days", TRANSITION_KEY))
    engine.dispose()
