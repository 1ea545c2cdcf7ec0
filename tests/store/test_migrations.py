"""The SQL-first schema: migrations are forward-only, idempotent, and equal the committed head."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tower.db import make_engine
from tower.migrate import SCHEMA_FILE, MigrationError, current_version, discover, dump_schema, migrate


def test_applying_all_migrations_yields_exactly_the_committed_schema(empty_db_url):
    engine = make_engine(empty_db_url)
    migrate(engine)
    engine.dispose()
    assert dump_schema(empty_db_url) == SCHEMA_FILE.read_text(), (
        "sql/schema.sql is not the head of sql/migrations: regenerate it with "
        "`tower migrate --write-schema`")


def test_migrating_twice_is_a_no_op(empty_db_url):
    engine = make_engine(empty_db_url)
    first = migrate(engine)
    second = migrate(engine)
    assert [m.version for m in first] == [m.version for m in discover()]
    assert second == []
    assert current_version(engine) == discover()[-1].version
    engine.dispose()


def test_a_failing_migration_leaves_nothing_half_applied(empty_db_url, tmp_path):
    (tmp_path / "0001_good.sql").write_text("CREATE TABLE a (x int);")
    (tmp_path / "0002_bad.sql").write_text("CREATE TABLE b (x int); SELECT 1/0;")
    engine = make_engine(empty_db_url)
    with pytest.raises(MigrationError, match="0002_bad.sql failed and was rolled back: division by zero"):
        migrate(engine, tmp_path)
    with engine.connect() as conn:
        tables = set(conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).scalars())
    assert "a" in tables and "b" not in tables
    assert current_version(engine) == 1
    engine.dispose()


def test_a_folder_without_migrations_is_an_error_not_an_empty_schema(empty_db_url, tmp_path):
    engine = make_engine(empty_db_url)
    with pytest.raises(MigrationError, match="no migrations found"):
        migrate(engine, tmp_path)
    with pytest.raises(MigrationError, match="no migrations folder"):
        migrate(engine, tmp_path / "missing")
    engine.dispose()
