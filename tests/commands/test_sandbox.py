"""`tower sandbox serve` runs as its own process, publishes where it listens, takes faults
from `tower sandbox faults`, and stops cleanly on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _tower(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tower", *args], env=env, capture_output=True,
                          text=True, timeout=60)


def test_serve_writes_its_urls_and_tokens_takes_faults_and_stops_on_sigterm(tmp_path: Path):
    env = {**os.environ, "TOWER_DATA_DIR": str(tmp_path), "TOWER_SANDBOX_SEED": "21",
           "TOWER_SANDBOX_DAYS": "2"}
    server = subprocess.Popen(
        [sys.executable, "-m", "tower", "sandbox", "serve", "--port", "0",
         "--orders-per-day", "60", "--faults", "finance=outage"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        info_path = tmp_path / "sandbox" / "sandbox.json"
        deadline = time.monotonic() + 180  # generating two days of history on a busy machine
        while not info_path.exists():
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "sandbox.json never appeared"
            time.sleep(0.2)
        info = json.loads(info_path.read_text())
        assert set(info["urls"]) == {"erp", "wms", "carrier", "finance"}
        erp = httpx.get(f"{info['urls']['erp']}/v1/sales-orders",
                        headers={"Authorization": f"Bearer {info['tokens']['erp']}"})
        assert erp.status_code == 200 and erp.json()["data"]
        assert httpx.get(f"{info['urls']['finance']}/health").status_code == 503

        switched = _tower("sandbox", "faults", "finance=clear,erp=outage", env=env)
        assert switched.returncode == 0, switched.stderr
        assert json.loads(switched.stdout)["erp"] == {"outage": "503"}
        assert httpx.get(f"{info['urls']['finance']}/health").status_code == 200
        assert httpx.get(f"{info['urls']['erp']}/health").status_code == 503

        wrong = _tower("sandbox", "faults", "erp=gremlins", env=env)
        assert wrong.returncode == 1 and "unknown fault" in wrong.stderr
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=20) == 0
    assert json.loads(server.stdout.read())["admin_url"] == info["admin_url"]
