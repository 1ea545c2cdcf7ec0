"""The whole Postgres server stops and starts again (a restart for an upgrade, a crash, a host
reboot) under a running collector and web app: while it is down the web app answers a plain
message (503, "cannot reach its database"), never a 500 and never "sign in first" to a person who
is signed in; once it is back both carry on by themselves with the same engine, app and session,
and nothing is lost or stored twice (the sandbox's ledger says what should be there).

The shared test server cannot be stopped under the other tests, so this test runs its own
embedded cluster, on a port it keeps across the restart as `tower run` does."""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from tests.collectors.conftest import collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation
from tests.collectors.storm import Storm
from tests.collectors.test_database_drops import _refresh_queues
from tests.signin import sign_in
from tower import config
from tower.app import create_app
from tower.auth import users
from tower.auth.server import DATABASE_AWAY
from tower.db import make_engine
from tower.migrate import migrate
from tower.pg import Cluster

DOWN_SECONDS = 3.0


def _wait_until(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_server_restart_under_a_running_collector_and_web_app_loses_nothing(start_sandbox, tmp_path):
    home = Path(tempfile.mkdtemp(prefix="tower-restart-pg-"))
    cluster = Cluster(home / "data")
    url = cluster.start()
    port = cluster.running_port()
    engine = make_engine(url)
    try:
        migrate(engine)
        _run_through_a_restart(cluster, port, engine, url, start_sandbox, tmp_path)
    finally:
        engine.dispose()
        cluster.destroy()
        shutil.rmtree(home, ignore_errors=True)


def _run_through_a_restart(cluster: Cluster, port: int, engine: sa.Engine, url: str, start_sandbox, tmp_path) -> None:
    sb = start_sandbox(days=4, orders_per_day=60)
    streams = streams_for(sb, page_size=25)
    with engine.begin() as conn:
        users.add(conn=conn, username="boss1", password="correct horse battery", role="admin")
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key"})
    web = create_app(settings, db_url=url).server.test_client()
    sign_in(web, "boss1", "correct horse battery")
    assert _refresh_queues(web).status_code == 200

    with Storm(engine, streams, sb.now, lambda: _refresh_queues(web)) as storm:
        _wait_until(lambda: len(storm.outcomes) >= len(streams), 120, "a first round of collector runs")
        sb.advance(minutes=30)
        assert cluster.stop()
        storm.away.set()
        stopped_at = time.monotonic()
        _wait_until(lambda: sum(1 for away, _, _ in storm.answers if away) >= 3, 60,
                    "three web answers while the server is down")
        time.sleep(max(0.0, DOWN_SECONDS - (time.monotonic() - stopped_at)))
        storm.away.clear()  # before the start: an answer counted as "while down" began and ended with it down
        cluster.start(port=port)
        sb.advance(minutes=30)
        runs_after = len(storm.outcomes)
        _wait_until(lambda: "ok" in storm.outcomes[runs_after:], 120, "an ok collector run after the restart")

    # Around the stop and the start an answer may find the database away too, and says so.
    wrong = [(s, body[:200]) for _, s, body in storm.answers if s != 200 and not (s == 503 and DATABASE_AWAY in body)]
    assert not wrong, wrong[:3]
    while_down = [(status, body) for d, status, body in storm.answers if d]
    # Each says, in words, that the database is away; the person stays signed in.
    assert while_down and all(status == 503 and DATABASE_AWAY in body and "Traceback" not in body
                              for status, body in while_down)
    assert not [s for _, s, _ in storm.answers if s == 401]
    assert any(o != "ok" for o in storm.outcomes), "the stop should have interrupted some runs"

    # Back to normal by themselves: the same engine, the same app.
    collect_until_quiet(engine, streams, sb.now)
    answer = _refresh_queues(web)
    assert answer.status_code == 200 and "slow-read-notice" not in answer.get_data(as_text=True)
    summary = check_conservation(engine, sb)
    assert all(v["in_store"] == v["ledger_keys"] > 0 for v in summary.values()), summary
