"""The sandbox's secrets stay with its owner: no token in a log, no file readable by others."""

from __future__ import annotations

import json
import os
import stat
import time
from pathlib import Path

from tower.commands.run import Child


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_served_sandbox_logs_no_token_and_keeps_its_files_private(tmp_path: Path):
    env = {**os.environ, "TOWER_DATA_DIR": str(tmp_path), "TOWER_SANDBOX_SEED": "21",
           "TOWER_SANDBOX_DAYS": "1", "PYTHONUNBUFFERED": "1"}
    # Started the way `tower run` starts it: a supervised child logging to logs/sandbox.log.
    child = Child("sandbox", ["sandbox", "serve", "--port", "0", "--orders-per-day", "40",
                              "--data-dir", str(tmp_path)], tmp_path / "logs" / "sandbox.log")
    child.start(env)
    try:
        info_path = tmp_path / "sandbox" / "sandbox.json"
        deadline = time.monotonic() + 60
        while True:
            assert child.alive(), child.tail()
            assert time.monotonic() < deadline, "sandbox.json never appeared"
            try:
                info = json.loads(info_path.read_text())
                if info.get("pid") == child.proc.pid:
                    break
            except (FileNotFoundError, json.JSONDecodeError):
                pass
            time.sleep(0.2)
        # The log has the startup summary (its urls) once the info file exists.
        deadline = time.monotonic() + 20
        while info["admin_url"] not in child.log_path.read_text():
            assert time.monotonic() < deadline, child.tail()
            time.sleep(0.2)
    finally:
        child.stop()
    log = child.log_path.read_text()
    secrets = [*info["tokens"].values(), info["admin_token"]]
    assert secrets and all(len(s) > 12 for s in secrets)
    leaked = [s for s in secrets if s in log]
    assert leaked == [], f"tokens in {child.log_path}"

    assert _mode(child.log_path) == 0o600
    assert _mode(child.log_path.parent) == 0o700
    root = tmp_path / "sandbox"
    data_files = [p for p in root.iterdir() if p.is_file()]
    assert any(p.suffix == ".sqlite" for p in data_files)
    assert {p.name: oct(_mode(p)) for p in data_files} == {p.name: oct(0o600) for p in data_files}
    assert _mode(root) == 0o700
