"""Named SQL blocks kept in .sql files beside the code that uses them.

A file holds blocks that start with `-- name: <name>`; `load(__file__, "orders.sql")` returns
{name: sqlalchemy TextClause}. Parameters are always bound (`:param`), never formatted in.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

_NAME = re.compile(r"^--\s*name:\s*([a-z_][a-z0-9_]*)\s*$", re.M)


@lru_cache(maxsize=None)
def _read(path: str) -> dict[str, str]:
    text = Path(path).read_text()
    parts = _NAME.split(text)
    blocks: dict[str, str] = {}
    for name, body in zip(parts[1::2], parts[2::2]):
        if name in blocks:
            raise ValueError(f"{path}: query {name!r} is defined twice")
        blocks[name] = body.strip()
    return blocks


def load_raw(module_file: str, filename: str) -> dict[str, str]:
    """The blocks as plain strings (for psycopg, which takes %(name)s parameters)."""
    return dict(_read(str(Path(module_file).parent / filename)))


def load(module_file: str, filename: str) -> dict[str, sa.TextClause]:
    return {name: sa.text(body) for name, body in load_raw(module_file, filename).items()}
