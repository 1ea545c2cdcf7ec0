"""A page read that runs into the statement timeout answers the last good figures with their
age (or a plain message), never a 500: through Flask's test client on a real app and database.

The read is made slow for real: another transaction holds an exclusive lock on a table the
callback reads, so the read waits until Postgres cancels it at the (shortened) timeout.
"""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from tests.signin import sign_in
from tower import config
from tower.app import create_app
from tower.auth import users
from tower.data import access

QUEUE_OUTPUTS = [("queues-matrix", "children"), ("queues-trend", "figure"), ("queues-banner", "children"),
                 ("queues-updated-at", "data"), ("queues-as-of", "children")]
CARD_OUTPUTS = [("kpis-cards", "children"), ("kpis-banner", "children"), ("kpis-period-text", "children")]


@pytest.fixture
def client(engine, db_url, tmp_path):
    with engine.begin() as conn:
        users.add(conn=conn, username="boss1", password="correct horse battery", role="admin")
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key"})
    client = create_app(settings, db_url=db_url).server.test_client()
    sign_in(client, "boss1", "correct horse battery")
    return client


def _call(client, outputs, inputs, state=()):
    body = {"output": "".join(f"..{i}.{p}.." for i, p in outputs).replace("....", "..."),
            "outputs": [{"id": i, "property": p} for i, p in outputs],
            "inputs": [{"id": i, "property": p, "value": v} for i, p, v in inputs],
            "state": [{"id": i, "property": p, "value": v} for i, p, v in state],
            "changedPropIds": [f"{inputs[0][0]}.{inputs[0][1]}"]}
    return client.post("/_dash-update-component", data=json.dumps(body), content_type="application/json")


def _refresh_queues(client, tick: int = 1):
    return _call(client, QUEUE_OUTPUTS,
                 [("queues-interval", "n_intervals", tick), ("queues-stages", "value", "warehouse"),
                  ("queues-selected", "data", None), ("queues-period", "value", "1"),
                  ("queues-range", "value", None), ("queues-as-of-input", "value", None)],
                 [("queues-wallboard", "data", {"big": False, "refresh": None})])


def _cards(client, region):
    return _call(client, CARD_OUTPUTS,
                 [("kpis-period", "value", "30"), ("kpis-range", "value", None),
                  ("kpis-as-of-input", "value", None), ("kpis-region", "value", region),
                  ("kpis-warehouse", "value", None), ("kpis-channel", "value", None),
                  ("kpis-customer", "value", ""), ("kpis-kpi", "value", "otif")])


@contextmanager
def _table_locked(engine, table: str):
    with engine.connect() as conn:
        with conn.begin():
            conn.execute(sa.text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
            yield


def test_a_queues_refresh_that_times_out_shows_the_last_good_figures_and_their_age(client, engine,
                                                                                     monkeypatch):
    good = _refresh_queues(client)
    assert good.status_code == 200, good.data[:300]
    good = good.get_json()["response"]
    monkeypatch.setattr(access, "READ_TIMEOUT_MS", 300)
    with _table_locked(engine, "kpi_dirty"):
        slow = _refresh_queues(client, tick=2)  # the page's next refresh
    assert slow.status_code == 200, slow.data[:300]
    answer = slow.get_json()["response"]
    assert answer["queues-matrix"] == good["queues-matrix"]
    assert answer["queues-as-of"] == good["queues-as-of"]
    assert "queues-updated-at" not in answer  # the page keeps counting from the last real update
    notice = json.dumps(answer["queues-banner"])
    assert "Showing the figures from" in notice and " ago" in notice


def test_a_kpi_read_that_times_out_with_no_figures_yet_says_so_plainly(client, engine, monkeypatch):
    monkeypatch.setattr(access, "READ_TIMEOUT_MS", 300)
    with _table_locked(engine, "kpi_daily"):
        slow = _cards(client, "Nowhere")
    assert slow.status_code == 200, slow.data[:300]
    answer = slow.get_json()["response"]
    assert list(answer) == ["kpis-banner"]
    assert "too slow to answer right now" in json.dumps(answer["kpis-banner"])


def test_a_page_read_is_read_only_and_has_its_time_budget(engine, db_url):
    from flask import Flask

    server = Flask(__name__)
    server.config["TOWER_DB_URL"] = db_url
    with server.app_context():
        with pytest.raises(sa.exc.DBAPIError, match="read-only transaction"):
            with access.reading(timeout_ms=1234) as conn:
                assert conn.execute(sa.text("SHOW statement_timeout")).scalar_one() == "1234ms"
                conn.execute(sa.text("CREATE TEMP TABLE written_in_a_read (a int)"))
