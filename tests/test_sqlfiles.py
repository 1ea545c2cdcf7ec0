"""One SQL style (`:param`) for every .sql file, whichever driver runs the block."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from tower import sqlfiles

BLOCKS = """-- name: with_params
SELECT CAST(:ids AS bigint[]), payload::jsonb, '12:30', i % 5 FROM t WHERE at < :now

-- name: without_params
SELECT i % 5 FROM t
"""


@pytest.fixture
def sql_file(tmp_path: Path) -> Path:
    path = tmp_path / "q.sql"
    path.write_text(BLOCKS)
    return path


def test_psycopg_blocks_get_named_placeholders_and_keep_casts_times_and_modulo(sql_file):
    blocks = sqlfiles.load_psycopg(str(sql_file), "q.sql")
    assert blocks["with_params"] == ("SELECT CAST(%(ids)s AS bigint[]), payload::jsonb, '12:30', i %% 5 "
                                     "FROM t WHERE at < %(now)s")
    assert blocks["without_params"] == "SELECT i % 5 FROM t"


def test_binary_blocks_send_every_parameter_binary(sql_file):
    assert "%(ids)b" in sqlfiles.load_psycopg(str(sql_file), "q.sql", binary=True)["with_params"]


def test_sqlalchemy_finds_the_same_parameters_as_the_psycopg_conversion(sql_file):
    clause = sqlfiles.load(str(sql_file), "q.sql")["with_params"]
    assert isinstance(clause, sa.TextClause)
    assert set(clause._bindparams) == {"ids", "now"}


def test_a_name_defined_twice_is_refused(tmp_path):
    (tmp_path / "twice.sql").write_text("-- name: a\nSELECT 1\n-- name: a\nSELECT 2\n")
    with pytest.raises(ValueError, match="defined twice"):
        sqlfiles.load(str(tmp_path / "twice.sql"), "twice.sql")


def test_no_sql_file_uses_the_psycopg_placeholder_style():
    root = Path(__file__).resolve().parents[1]
    offenders = [str(p.relative_to(root)) for d in ("tower", "collectors", "bench")
                 for p in (root / d).rglob("*.sql") if "%(" in p.read_text()]
    assert offenders == []


def test_a_parameter_named_in_a_comment_is_not_a_parameter_of_the_block(tmp_path):
    # A comment between two blocks belongs to the first one; `:missed` there once made every
    # run of that block fail for want of a value nobody meant to pass.
    (tmp_path / "c.sql").write_text("-- name: a\n-- :ignored in a comment\nSELECT :wanted\n"
                                    "  -- the next block uses :missed\n-- name: b\nSELECT 1\n")
    clause = sqlfiles.load(str(tmp_path / "c.sql"), "c.sql")["a"]
    assert set(clause._bindparams) == {"wanted"}
    assert sqlfiles.load_psycopg(str(tmp_path / "c.sql"), "c.sql")["a"] == "SELECT %(wanted)s"
