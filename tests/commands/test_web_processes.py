"""`tower web --processes N`: N forked workers answer on one port; a worker that dies is
replaced while the others keep answering; SIGTERM stops them all."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ports import free_port

REPO = Path(__file__).resolve().parents[2]
WAIT_S = 120  # bounded waits: a loaded machine starts a Dash app slowly


def _children(pid: int) -> set[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return {int(p) for p in path.read_text().split()} if path.exists() else set()


def _wait_for(what: str, check, timeout: float = WAIT_S):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"waited {timeout:.0f} s for {what}")


def _answers(url: str) -> bool:
    try:  # a new connection each time, so any worker may take it
        return httpx.get(url + "/login", timeout=10, headers={"Connection": "close"}).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.mark.timeout(600)
def test_several_web_processes_share_the_port_and_a_dead_one_is_replaced(db_url, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("reads a process's children from /proc")
    port = free_port()
    env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp_path / "data"),
           "TOWER_SECRET_KEY": secrets.token_hex(16), "TOWER_LOG_LEVEL": "WARNING"}
    log = tmp_path / "web.log"
    proc = subprocess.Popen([sys.executable, "-m", "tower", "web", "--port", str(port), "--processes", "2",
                             "--threads", "2"], env=env, cwd=REPO, stdout=log.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        workers = _wait_for("two workers", lambda: (kids := _children(proc.pid)) and len(kids) == 2 and kids)
        _wait_for("an answer", lambda: _answers(url))
        assert all(_answers(url) for _ in range(10))

        gone = min(workers)
        os.kill(gone, signal.SIGKILL)
        replaced = _wait_for("a new worker", lambda: (kids := _children(proc.pid)) and len(kids) == 2
                             and gone not in kids and kids)
        assert len(replaced & workers) == 1  # the other worker was left alone
        _wait_for("answers after the restart", lambda: all(_answers(url) for _ in range(5)))
        assert "exited" in log.read_text() and "starting another" in log.read_text()

        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        assert not any(Path(f"/proc/{pid}").exists() for pid in replaced)
        assert not _answers(url)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_a_port_in_use_is_a_plain_message(db_url, tmp_path):
    import socket

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp_path / "data"),
               "TOWER_SECRET_KEY": secrets.token_hex(16)}
        done = subprocess.run([sys.executable, "-m", "tower", "web", "--port", str(port), "--processes", "2"],
                              env=env, cwd=REPO, capture_output=True, text=True, timeout=WAIT_S)
    assert done.returncode != 0
    assert f"cannot listen on 127.0.0.1:{port}" in done.stderr
    assert "Traceback" not in done.stderr
