"""A built wheel works on its own: installed into an empty virtualenv (with the lock's
versions), `tower migrate` creates the schema and `tower web` serves the sign-in page and the
stylesheet. (Slow: it builds a wheel and installs tower's dependencies, from pip's cache.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import psycopg
import pytest

from tower.pg import free_port

ROOT = Path(__file__).resolve().parents[1]


def _source_copy(dest: Path) -> Path:
    """The checkout's tracked and new files (what a clean clone plus local edits holds), so
    the build never sees .venv, build/ leftovers or another run's artefacts."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _run(*cmd: str | Path, env: dict[str, str] | None = None, cwd: Path, timeout: float = 600) -> str:
    res = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, env=env, cwd=cwd,
                         timeout=timeout)
    assert res.returncode == 0, f"{cmd[0]} failed:\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}"
    return res.stdout


def _get(url: str, timeout: float) -> bytes:
    """GET `url`, retrying until the server answers or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                assert resp.status == 200
                return resp.read()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


@pytest.mark.slow
def test_an_installed_wheel_migrates_an_empty_database_and_serves_the_web_app(tmp_path, empty_db_url):
    src = _source_copy(tmp_path / "src")
    dist = tmp_path / "dist"
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", dist, src, cwd=tmp_path)
    (wheel,) = dist.glob("tower-*.whl")

    venv = tmp_path / "venv"
    # An empty venv, filled by this interpreter's pip (`--python`: no pip bootstrapped into it);
    # --no-compile, as byte-compiling plotly and pandas is most of an install's time.
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=tmp_path)
    _run(sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--quiet", "--no-compile",
         "-c", ROOT / "constraints" / "lock.txt", wheel, cwd=tmp_path)
    tower = venv / "bin" / "tower"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TOWER_", "VIRTUAL_ENV", "PYTHON"))}
    env.update(TOWER_DATABASE_URL=empty_db_url, TOWER_DATA_DIR=str(tmp_path / "data"))

    # Run from an empty folder: nothing of the checkout may be importable or readable.
    work = tmp_path / "elsewhere"
    work.mkdir()
    where = _run(venv / "bin" / "python", "-c", "import tower.migrate as m; print(m.MIGRATIONS_DIR)",
                 env=env, cwd=work)
    assert Path(where.strip()).is_relative_to(venv), where
    assert _run(tower, "--version", env=env, cwd=work).strip() == "tower 0.1.0"

    out = _run(tower, "migrate", env=env, cwd=work)
    assert "applied 0001_milestone_store" in out, out
    with psycopg.connect(empty_db_url) as conn:
        tables = {r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert {"milestones", "orders", "exceptions", "users", "schema_migrations"} <= tables, tables

    port = free_port()
    web = subprocess.Popen([str(tower), "web", "--port", str(port)], env=env, cwd=work,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        page = _get(f"http://127.0.0.1:{port}/login", timeout=90)
        assert b"tower" in page.lower()
        css = _get(f"http://127.0.0.1:{port}/assets/tower.css", timeout=10)
        assert css == (ROOT / "assets" / "tower.css").read_bytes()
    finally:
        web.terminate()
        try:
            web.wait(30)
        except subprocess.TimeoutExpired:
            web.kill()
