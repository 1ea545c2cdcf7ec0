"""Named SQL blocks kept in .sql files beside the code that uses them: one style, one loader.

A file holds blocks that start with `-- name: <name>`. Parameters are always bound, never
formatted in, and always written `:param` (SQLAlchemy's style), whoever runs the block:

    _Q = sqlfiles.load(__file__, "orders.sql")          # {name: sqlalchemy TextClause}
    conn.execute(_Q["search"], {"text": text})

    _SQL = sqlfiles.load_psycopg(__file__, "sweep.sql")   # {name: str} for a raw psycopg cursor
    raw(conn).cursor().execute(_SQL["escalate"], {"now": now})

`load_psycopg` is for the few modules that need psycopg itself (COPY, executemany over
thousands of rows, cursor row factories); it converts `:param` to psycopg's `%(param)s` here,
once, with the same rule SQLAlchemy uses to find parameters (a colon not after a word
character or another colon, so `::jsonb` casts and `12:30` are left alone).
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import sqlalchemy as sa

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.M)
# sqlalchemy.sql.elements.TextClause._bind_params_regex
_BIND = re.compile(r"(?<![:\w\x5c]):(\w+)(?!:)")
# Whole-line comments are dropped before a block is used: SQLAlchemy and the conversion
# below would otherwise read a `:name` mentioned in a comment as a parameter to bind.
_COMMENT_LINE = re.compile(r"^\s*--.*(?:\n|$)", re.M)


@cache
def _read(path: str) -> dict[str, str]:
    text = Path(path).read_text()
    parts = _NAME.split(text)
    blocks: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        if name in blocks:
            raise ValueError(f"{path}: query {name!r} is defined twice")
        blocks[name] = _COMMENT_LINE.sub("", body).strip()
    return blocks


def load(module_file: str, filename: str) -> dict[str, sa.TextClause]:
    """The blocks of `filename` (beside `module_file`) as SQLAlchemy text clauses."""
    return {name: sa.text(body) for name, body in _read(_path(module_file, filename)).items()}


def load_psycopg(module_file: str, filename: str, *, binary: bool = False) -> dict[str, str]:
    """The blocks of `filename` as strings for a raw psycopg cursor: `:param` becomes
    `%(param)s` (`%(param)b` with `binary`: big arrays sent in binary are not escaped value by
    value in Python), and in a block with parameters a literal `%` becomes `%%`, as
    SQLAlchemy does. Run a block with parameters with its mapping, one without with none."""
    out: dict[str, str] = {}
    for name, body in _read(_path(module_file, filename)).items():
        if _BIND.search(body):
            body = _BIND.sub(r"%(\1)b" if binary else r"%(\1)s", body.replace("%", "%%"))
        out[name] = body.replace("\\:", ":")
    return out


def _path(module_file: str, filename: str) -> str:
    return str(Path(module_file).parent / filename)
