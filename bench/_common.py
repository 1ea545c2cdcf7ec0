"""Shared pieces of the benchmarks: a throwaway embedded Postgres (or TOWER_BENCH_DATABASE_URL)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

import psycopg
from psycopg import sql

from tower.db import make_engine
from tower.migrate import migrate


@contextlib.contextmanager
def bench_database(name: str = "tower_bench") -> Iterator[str]:
    """A freshly migrated database; on a private embedded cluster unless a URL is given."""
    given = os.environ.get("TOWER_BENCH_DATABASE_URL")
    cluster = home = None
    if given:
        base = given.rsplit("/", 1)[0]
    else:
        from tower.pg import Cluster

        home = Path(tempfile.mkdtemp(prefix="tower-bench-pg-"))
        cluster = Cluster(home / "data")
        base = cluster.start().rsplit("/", 1)[0]
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        url = f"{base}/{name}"
        engine = make_engine(url)
        migrate(engine)
        engine.dispose()
        yield url
    finally:
        if cluster is not None:
            cluster.destroy()
            shutil.rmtree(home, ignore_errors=True)
