"""One seeded world for the security tests: realistic orders in three warehouses (DAL-1,
ATL-1, RNO-1) evaluated by the real rules worker, KPI facts and queue snapshots, an
integration incident holding orders of every warehouse, a user per role, a supervisor scoped
to DAL-1, and exceptions of ATL-1 assigned to someone who only works there. The app is the
real one (tower.app.create_app) through Flask's test client.

`World.foreign` lists what a DAL-1 supervisor must never see: other warehouses' order ids,
POs, tracking and invoice numbers, their teams and their assignee."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import timedelta

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tests.auth.conftest import sign_in
from tests.conftest import _clone
from tests.data import factory
from tower import clock, config
from tower.app import create_app
from tower.auth import users
from tower.db import make_engine
from tower.evaluation.worker import run_once
from tower.kpis import facts
from tower.kpis.snapshots import take_snapshot
from tower.process import refresh as flow_facts
from tower.rules.policy import cached

PASSWORD = "correct horse battery staple"
ROLE_USERS = {"cs": "cs1", "supervisor": "supervisor1", "finance": "finance1", "executive": "executive1",
              "admin": "admin1"}
SCOPED = "supervisor.dal"
ATL_ONLY = "atl.only.person"


@dataclass
class World:
    app: object
    engine: sa.Engine
    seeded: factory.Seeded
    incident_id: int
    exceptions: dict[str, list[int]]          # warehouse -> exception ids
    foreign: set[str] = field(default_factory=set)
    own: set[str] = field(default_factory=set)

    def client(self, username: str | None = None):
        client = self.app.server.test_client()
        if username:
            response = sign_in(client, username, PASSWORD)  # the real form, with its CSRF token
            assert response.status_code == 302 and "error" not in response.location, response.location
        return client

    def orders_of(self, warehouse: str) -> list[factory.SeededOrder]:
        return [o for o in self.seeded.orders if o.warehouse == warehouse]


def _keys(order: factory.SeededOrder) -> set[str]:
    return {k for k in (order.order_id, order.customer_po, order.tracking_no, order.invoice_no) if k}


@pytest.fixture(scope="module")
def world(server_url: str, template_url: str, tmp_path_factory) -> World:
    name, url = _clone(server_url, template_url)
    engine = make_engine(url)
    now = clock.now()
    seeded = factory.seed(engine, 36, now=now)
    while run_once(engine, policy=cached()):
        pass
    with engine.begin() as conn:
        facts.refresh_all(conn=conn, policy=cached(), now=now)
    flow_facts.run(engine, policy=cached())
    with engine.begin() as conn:
        for k in range(3, -1, -1):
            take_snapshot(conn=conn, policy=cached(), now=now - timedelta(minutes=20 * k))
    with engine.begin() as conn:
        for role, username in ROLE_USERS.items():
            users.add(conn=conn, username=username, password=PASSWORD, role=role)
        users.add(conn=conn, username=SCOPED, password=PASSWORD, role="supervisor", warehouses=["DAL-1"])
        users.add(conn=conn, username=ATL_ONLY, password=PASSWORD, role="cs")
        rows = conn.execute(sa.text(
            "SELECT e.exception_id, o.warehouse FROM exceptions e JOIN orders o USING (order_id) "
            "WHERE e.status <> 'resolved' ORDER BY e.exception_id")).all()
        by_warehouse: dict[str, list[int]] = {}
        for r in rows:
            by_warehouse.setdefault(r.warehouse, []).append(int(r.exception_id))
        # Someone who only works ATL-1 holds ATL-1's exceptions: their name is ATL-1's business.
        conn.execute(sa.text("UPDATE exceptions SET assignee = :a WHERE exception_id = ANY(:ids)"),
                     {"a": ATL_ONLY, "ids": by_warehouse["ATL-1"]})
        incident = conn.execute(sa.text(
            "INSERT INTO exceptions (kind, subject, severity, status, title, opened_at) VALUES "
            "('integration_incident', 'wms', 'critical', 'open', 'WMS data is stale', :at) "
            "RETURNING exception_id"), {"at": now - timedelta(minutes=30)}).scalar_one()
        for order in seeded.orders:
            conn.execute(sa.text("INSERT INTO incident_orders VALUES (:e, :o)"), {"e": incident, "o": order.order_id})
        foreign = next(o for o in seeded.orders if o.warehouse == "ATL-1")
        conn.execute(sa.text(  # a record the WMS sent that could not be read, about an ATL-1 order
            "INSERT INTO dead_letters (source, stream, record_key, payload, reason) "
            "VALUES ('wms', 'tasks', 'k-1', CAST(:p AS jsonb), 'qty must be a number')"),
            {"p": json.dumps({"order_id": foreign.order_id, "customer_po": foreign.customer_po, "qty": "many"})})
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path_factory.mktemp("security")),
                            "TOWER_SECRET_KEY": "security-tests"})
    app = create_app(settings, db_url=url)
    w = World(app, engine, seeded, int(incident), by_warehouse)
    for order in seeded.orders:
        (w.own if order.warehouse == "DAL-1" else w.foreign).update(_keys(order))
    w.foreign |= {"Warehouse ATL-1", "Warehouse RNO-1", "warehouse-ATL-1", "warehouse-RNO-1", ATL_ONLY}
    yield w
    engine.dispose()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
