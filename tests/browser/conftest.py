"""Browser test fixtures: a real `tower web` process on loopback against its own seeded
database, and a real headless Chromium driven by Playwright.

The server is started once per test module (starting Dash and seeding take seconds on a
shared two-core machine); each module gets its own database, so modules never see each
other's changes. Tests that change data pick rows no other test in the module uses.

No Chromium at /usr/bin/chromium: every browser test is skipped with a loud reason (and the
run's header says so); `.ci/run` installs it, so CI always runs them.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Callable, Iterator

import psycopg
import pytest
from psycopg import sql

from tests.browser.waits import WAIT_MS
from tests.ports import free_port
from tower import clock
from tower.auth.users import ensure_demo_users
from tower.db import libpq_url, make_engine
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("TOWER_CHROMIUM", "/usr/bin/chromium"))
SCREENSHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
NO_CHROMIUM = (f"BROWSER TESTS SKIPPED: no Chromium at {CHROMIUM}. Install Debian's `chromium` "
               "package (`make browser`) or set TOWER_CHROMIUM; CI (.ci/run) installs it.")
ROLE_USERS = {"cs": "cs", "supervisor": "supervisor", "supervisor_scoped": "supervisor.dal",
              "finance": "finance", "executive": "executive", "admin": "admin"}


def pytest_report_header(config) -> str | None:
    return None if CHROMIUM.exists() else "!!! " + NO_CHROMIUM


def pytest_collection_modifyitems(config, items) -> None:
    here = Path(__file__).parent
    for item in items:
        if Path(str(item.fspath)).is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@dataclass
class LiveServer:
    url: str
    db_url: str
    users: dict[str, tuple[str, str]]
    seed: object = None            # tests.data.factory.Seeded
    wms_polled_at: object = None   # when the fixture's stale WMS feed was last polled (aware UTC)
    process: subprocess.Popen | None = field(default=None, repr=False)
    log: Path | None = None
    wms_data_through: datetime | None = None   # the stale WMS source's data runs up to here


def _create_db(server_url: str, template_url: str) -> tuple[str, str]:
    name = f"browser_{uuid.uuid4().hex[:10]}"
    template = template_url.rsplit("/", 1)[1]
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(sql.Identifier(name), sql.Identifier(template)))
    return name, libpq_url(server_url).rsplit("/", 1)[0] + "/" + name


def _stale_wms(engine, minutes: int) -> datetime:
    """Collector runs in event time: ERP, Carrier and Finance read everything up to their
    source's present half a minute ago; WMS's last good run read up to its present `minutes`
    ago and none has run since (its polls stopped), so its *data* lags by `minutes` and growing.
    Returns the instant WMS's data runs through, from which a test computes the age it shows."""
    from tower.store import collector_runs as runs

    now = clock.now()
    wms_through = now - timedelta(minutes=minutes)
    with engine.begin() as conn:
        for source, stream, ago in (("erp", "orders", 0.5), ("wms", "shipments", minutes),
                                    ("carrier", "scans", 0.5), ("finance", "invoices", 0.5)):
            at = now - timedelta(minutes=ago)
            run = runs.start(conn=conn, source=source, stream=stream, started_at=at - timedelta(seconds=2))
            runs.finish(conn=conn, run_id=run, status="ok", finished_at=at,
                        counts=runs.RunCounts(records_fetched=10, milestones_written=10, newest_source_at=at,
                                              source_as_of=at, data_through=at, caught_up=True,
                                              observed_at=at))
    return wms_through


def _start(db_url: str, tmp: Path) -> tuple[subprocess.Popen, str, Path]:
    port = free_port()
    env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp / "data"),
           "TOWER_SECRET_KEY": secrets.token_hex(16), "TOWER_LOG_LEVEL": "WARNING"}
    log = tmp / "web.log"
    tower = Path(sys.executable).with_name("tower")
    cmd = [str(tower)] if tower.exists() else [sys.executable, "-m", "tower"]
    proc = subprocess.Popen(cmd + ["web", "--host", "127.0.0.1", "--port", str(port), "--threads", "6"],
                            env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"tower web exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return proc, url, log
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"tower web did not listen on {port} within 60 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def live_server(server_url: str, template_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    """`tower web` on a free loopback port, on a fresh database holding realistic orders
    (tests/data/factory.py through tower.store.ingest), evaluated by the real rules worker,
    with the demo users and a WMS feed last polled 47 minutes ago."""
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from tests.data import factory
    from tower.evaluation.worker import run_once

    name, db_url = _create_db(server_url, template_url)
    engine = make_engine(db_url)
    seeded = factory.seed(engine, 48, now=clock.now())
    while run_once(engine, policy=BUILTIN_POLICY):
        pass
    with engine.begin() as conn:
        created = {u: (u, p) for u, p, _ in ensure_demo_users(conn=conn)}
    wms_through = _stale_wms(engine, 47)
    wms_polled_at = clock.now() - timedelta(minutes=47)
    engine.dispose()
    users = {role: created[user] for role, user in ROLE_USERS.items()}
    proc, url, log = _start(db_url, tmp_path_factory.mktemp("web"))
    server = LiveServer(url, db_url, users, seeded, wms_polled_at, proc, log, wms_through)
    yield server
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(scope="module")
def engine_live(live_server: LiveServer):
    """An engine on the live server's database (for comparing the page with the data layer)."""
    engine = make_engine(live_server.db_url)
    yield engine
    engine.dispose()




@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(NO_CHROMIUM)
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=WAIT_MS)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 900}, accept_downloads=True)
    context.set_default_timeout(WAIT_MS)
    tab = context.new_page()
    yield tab
    context.close()


@pytest.fixture
def sign_in(live_server: LiveServer) -> Callable:
    def _sign_in(tab, role: str) -> str:
        username, password = live_server.users[role]
        tab.goto(live_server.url + "/login")
        tab.fill("#login-username", username)
        tab.fill("#login-password", password)
        with tab.expect_navigation():
            tab.click("#login-submit")
        tab.wait_for_load_state("networkidle")
        return tab.url
    return _sign_in


@pytest.fixture
def shot(request) -> Callable:
    """shot(page, name): a full-page screenshot in artifacts/screenshots/<module>-<test>-<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    module = Path(str(request.node.fspath)).stem.removeprefix("test_")
    test = re.sub(r"[^a-z0-9_]+", "_", request.node.name.lower())[:60]

    def _shot(tab, name: str) -> Path:
        path = SCREENSHOTS / f"{module}-{test}-{name}.png"
        tab.evaluate("window.scrollTo(0, 0)")  # the fixed header would be drawn mid-page otherwise
        tab.screenshot(path=str(path), full_page=True)
        return path
    return _shot
