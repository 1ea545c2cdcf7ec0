"""A tower that has lived through six simulated weeks of the sandbox: collected by the real
collectors, evaluated by the rules, and with a risk model trained on that history and in
service. Built once for the package and cloned for each test (CREATE DATABASE ... TEMPLATE), so
every test starts from the same real history without collecting it again."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa
from psycopg import sql

from tests.collectors.conftest import collect_until_quiet, streams_for
from tests.conftest import _clone, _with_db
from tests.evaluation.story import POLICY
from tower.db import make_engine
from tower.evaluation.worker import drain
from tower.risk.training import TrainResult, train

SEED, DAYS, ORDERS_PER_DAY = 21, 45, 70


@pytest.fixture(scope="package")
def lived(server_url, template_url, tmp_path_factory):
    """(database url, the sandbox's ground truth by order, the sandbox's now, the training)."""
    from tower.sandbox.server import start_sandbox

    name, url = _clone(server_url, template_url)
    sb = start_sandbox(tmp_path_factory.mktemp("risk-sb"), seed=SEED, days=DAYS,
                       orders_per_day=ORDERS_PER_DAY, base_port=0, live=False, rate_limit=5000.0)
    engine = make_engine(url)
    try:
        collect_until_quiet(engine, streams_for(sb), sb.now, max_rounds=30)
        drain(engine, now=sb.now(), policy=POLICY)
        truth = {t["order_no"]: t for t in sb.truth()}
        now = sb.now()
        with engine.begin() as conn:
            trained = train(conn=conn, now=now, policy=POLICY)
    finally:
        engine.dispose()
        sb.stop()
    yield url, truth, now, trained
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def history(server_url, lived):
    """(engine on a fresh copy of the lived-in database, truth by order, now)."""
    url, truth, now, _ = lived
    template = url.rsplit("/", 1)[1]
    name = f"{template}_c{id(object()) % 100000}"
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    engine = make_engine(_with_db(server_url, name))
    yield engine, truth, now
    engine.dispose()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def training(lived) -> TrainResult:
    """The training of the model in service in the lived-in database."""
    return lived[3]


def count(engine: sa.Engine, query: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(query)).scalar() or 0)
