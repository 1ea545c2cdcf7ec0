"""Postgres drops every connection of a running collector and web app, again and again: both
recover by themselves, the web app never answers 500, and once it stops nothing is lost or
stored twice (the sandbox's ledger says what should be there)."""

from __future__ import annotations

import json
import time

import sqlalchemy as sa

from tests.collectors.conftest import collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation
from tests.collectors.storm import Storm
from tests.signin import sign_in
from tower import config
from tower.app import create_app
from tower.auth import users
from tower.auth.server import DATABASE_AWAY

QUEUES = [("queues-matrix", "children"), ("queues-trend", "figure"), ("queues-banner", "children"),
          ("queues-updated-at", "data"), ("queues-as-of", "children")]
KILL_ROUNDS = 12


def _refresh_queues(client):
    body = {"output": "..%s.." % "...".join(f"{i}.{p}" for i, p in QUEUES),
            "outputs": [{"id": i, "property": p} for i, p in QUEUES],
            "inputs": [{"id": "queues-interval", "property": "n_intervals", "value": 1},
                       {"id": "queues-stages", "property": "value", "value": "warehouse"},
                       {"id": "queues-selected", "property": "data", "value": None},
                       {"id": "queues-period", "property": "value", "value": "1"},
                       {"id": "queues-range", "property": "value", "value": None},
                       {"id": "queues-as-of-input", "property": "value", "value": None}],
            "state": [{"id": "queues-wallboard", "property": "data", "value": {"big": False, "refresh": None}}],
            "changedPropIds": ["queues-interval.n_intervals"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def _terminate_everyone_else(engine) -> int:
    with engine.connect() as conn:
        return len(conn.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()")).all())


def test_dropped_connections_lose_nothing_and_the_web_app_never_answers_500(engine, db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=4, orders_per_day=60)
    streams = streams_for(sb, page_size=25)
    with engine.begin() as conn:
        users.add(conn=conn, username="boss1", password="correct horse battery", role="admin")
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key"})
    web = create_app(settings, db_url=db_url).server.test_client()
    sign_in(web, "boss1", "correct horse battery")
    assert _refresh_queues(web).status_code == 200

    killer = sa.create_engine(engine.url, poolclass=sa.pool.NullPool)
    killed = 0
    with Storm(engine, streams, sb.now, lambda: _refresh_queues(web)) as storm:
        for _ in range(KILL_ROUNDS):
            time.sleep(0.25)  # let them get going again, then cut them off mid-work
            killed += _terminate_everyone_else(killer)
            sb.advance(minutes=20)
    assert killed >= KILL_ROUNDS  # connections were really dropped, repeatedly
    # Never a 500. A session check that meets a dropped connection twice in a row says in words
    # that the database is away (503), as during a restart (tests/collectors/test_cluster_restart.py).
    assert not [s for _, s, body in storm.answers if s >= 500 and not (s == 503 and DATABASE_AWAY in body)], \
        [s for _, s, _ in storm.answers]
    assert any(o != "ok" for o in storm.outcomes), "the drops should have interrupted some runs"

    # After the storm, both work again by themselves: the same engine, the same app.
    collect_until_quiet(engine, streams, sb.now)
    answer = _refresh_queues(web)
    assert answer.status_code == 200 and "slow-read-notice" not in answer.get_data(as_text=True)
    summary = check_conservation(engine, sb)
    assert all(v["in_store"] == v["ledger_keys"] > 0 for v in summary.values()), summary
    killer.dispose()
