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


def sign_in(client, username: str, password: str):
    """Sign an httpx client in the way a browser does: render the sign-in form through Dash's
    router callback, take its CSRF token, post the form. Returns the form post's answer."""
    import json

    body = {"output": ".._pages_content.children..._pages_store.data..",
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/login"},
                       {"id": "_pages_location", "property": "search", "value": ""}],
            "changedPropIds": ["_pages_location.pathname"]}
    page = client.post("/_dash-update-component", content=json.dumps(body),
                       headers={"Content-Type": "application/json"}).raise_for_status().json()
    token, todo = "", [page]
    while todo and not token:
        node = todo.pop()
        if isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and props.get("name") == "csrf_token":
                token = str(props.get("value") or "")
            todo.extend(node.values())
        elif isinstance(node, list):
            todo.extend(node)
    return client.post("/auth/login", data={"username": username, "password": password, "csrf_token": token})
