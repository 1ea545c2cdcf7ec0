"""One seeded world for the API tests: realistic orders in three warehouses evaluated by the
real rules worker (so there are exceptions), KPI facts and queue snapshots, a user of every
role plus a supervisor scoped to DAL-1, and tokens: one per role holding every scope its role
allows, one without any read scope, one revoked and one expired.

`world.client()` is the real app (tower.app.create_app) through Flask's test client;
`live_api` serves the same database with `tower web` on a loopback port (real HTTP)."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Iterator

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tests.conftest import _clone
from tests.data import factory
from tests.ports import free_port
from tower import clock, config
from tower.app import create_app
from tower.auth import tokens, users
from tower.db import make_engine
from tower.evaluation.worker import run_once
from tower.kpis import facts
from tower.kpis.snapshots import take_snapshot
from tower.rules.policy import cached

REPO = Path(__file__).resolve().parents[2]
POLICY = cached()
PASSWORD = "correct horse battery staple"
ROLE_USERS = {"cs": "cs1", "supervisor": "supervisor1", "finance": "finance1", "executive": "executive1",
              "admin": "admin1"}
SCOPED = "supervisor.dal"


@dataclass
class World:
    app: object
    engine: sa.Engine
    db_url: str
    seeded: factory.Seeded
    tokens: dict[str, str] = field(default_factory=dict)   # name -> secret
    token_ids: dict[str, int] = field(default_factory=dict)

    def client(self):
        return self.app.server.test_client()

    def auth(self, name: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[name]}"}

    def orders_of(self, warehouse: str) -> list[factory.SeededOrder]:
        return [o for o in self.seeded.orders if o.warehouse == warehouse]


def make_token(engine, name: str, username: str, scopes, world: World, **kw) -> None:
    with engine.begin() as conn:
        made = tokens.create(conn=conn, username=username, scopes=sorted(scopes), by="test", now=clock.now(), **kw)
    world.tokens[name] = made.secret
    world.token_ids[name] = made.token_id


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str) -> Iterator[World]:
    name, url = _clone(server_url, template_url)
    engine = make_engine(url)
    now = clock.now()
    seeded = factory.seed(engine, 36, now=now)
    while run_once(engine, policy=POLICY):
        pass
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, now=now, policy=POLICY)
    with engine.begin() as conn:
        for k in range(3, -1, -1):
            take_snapshot(conn=conn, now=now - timedelta(minutes=20 * k), policy=POLICY)
    with engine.begin() as conn:
        for role, username in ROLE_USERS.items():
            users.add(conn=conn, username=username, password=PASSWORD, role=role)
        users.add(conn=conn, username=SCOPED, password=PASSWORD, role="supervisor", warehouses=["DAL-1"])
    settings = config.load()
    app = create_app(settings, db_url=url)
    app.server.config["TESTING"] = True
    w = World(app, engine, url, seeded)
    for role, username in ROLE_USERS.items():
        make_token(engine, role, username, tokens.role_allows(role), w)
    make_token(engine, "scoped", SCOPED, tokens.role_allows("supervisor"), w)
    make_token(engine, "kpis_only", ROLE_USERS["admin"], ["kpis:read"], w)
    make_token(engine, "revoked", ROLE_USERS["admin"], ["orders:read"], w)
    with engine.begin() as conn:
        tokens.revoke(conn=conn, token_id=w.token_ids["revoked"], by="test", now=clock.now())
    make_token(engine, "expiring", ROLE_USERS["admin"], ["orders:read"], w,
               expires_at=clock.now() + timedelta(seconds=2))
    yield w
    engine.dispose()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def live_api(world: World, tmp_path_factory) -> Iterator[str]:
    """`tower web` on a free loopback port over the world's database; yields its base URL."""
    tmp = tmp_path_factory.mktemp("api-web")
    port = free_port()
    env = {**os.environ, "TOWER_DATABASE_URL": world.db_url, "TOWER_DATA_DIR": str(tmp / "data"),
           "TOWER_SECRET_KEY": secrets.token_hex(16), "TOWER_LOG_LEVEL": "WARNING"}
    log = tmp / "web.log"
    tower = Path(sys.executable).with_name("tower")
    cmd = [str(tower)] if tower.exists() else [sys.executable, "-m", "tower"]
    proc = subprocess.Popen(cmd + ["web", "--host", "127.0.0.1", "--port", str(port), "--threads", "4"],
                            env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"tower web exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tower web did not listen within 60 s:\n{log.read_text()[-3000:]}") from None
                time.sleep(0.2)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
