"""The README's run command from a fresh clone: installs, comes up with no configuration, answers
over HTTP, and stops everything on Ctrl-C. (Slow: it installs tower into a new virtualenv.)"""

from __future__ import annotations

import os
import select
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

from tests.ports import free_ports

ROOT = Path(__file__).resolve().parents[1]


def _read_until(proc: subprocess.Popen, needle: str, timeout: float, seen: list[str]) -> bool:
    """Read the process's output until `needle` shows up (True) or time runs out (False)."""
    fd = proc.stdout.fileno()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            chunk = os.read(fd, 65536).decode(errors="replace")
            if not chunk:  # end of output: the process is gone
                return needle in "".join(seen)
            seen.append(chunk)
            if needle in "".join(seen):
                return True
    return False


@pytest.fixture
def home():
    """A folder for the clone, not pytest's tmp_path: as root the embedded Postgres runs as an
    unprivileged user that must reach the clone's .venv and .tower, and every pytest that starts
    on this machine makes /tmp/pytest-of-<user> private (0700) again, which would lock it out
    mid-test (pg_ctl: PermissionError)."""
    path = Path(tempfile.mkdtemp(prefix="tower-fresh-clone-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.mark.slow
@pytest.mark.timeout(1800)  # installs tower and its dependencies into a new virtualenv, then removes it
def test_make_run_from_a_fresh_clone_serves_tower_and_stops_cleanly(home):
    clone = home / "tower"
    subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
    # One block for everything tower run listens on: the web app, the sandbox's five servers,
    # the loopback mailbox and its webhook receiver (two suites may run this test at once).
    web_port = free_ports(8)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOWER_", "VIRTUAL_ENV"))}
    env.update(TOWER_WEB_PORT=str(web_port), TOWER_SANDBOX_PORT=str(web_port + 1),
               TOWER_NOTIFY_SANDBOX_PORT=str(web_port + 6), TOWER_SANDBOX_DAYS="2", PYTHONUNBUFFERED="1")
    proc = subprocess.Popen(["make", "run"], cwd=clone, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    seen: list[str] = []
    try:
        assert _read_until(proc, "Stop with Ctrl-C", 600, seen), "".join(seen)[-3000:]
        assert "tower is running" in "".join(seen)
        with urllib.request.urlopen(f"http://127.0.0.1:{web_port}/login", timeout=10) as resp:
            assert resp.status == 200
            assert b"tower" in resp.read().lower()
        assert "Demo users" in "".join(seen)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        stopped = _read_until(proc, "tower: stopped.", 120, seen)
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
    assert stopped, "".join(seen)[-3000:]
    assert not (clone / ".tower" / "pg" / "postmaster.pid").exists(), "the embedded Postgres was left running"
