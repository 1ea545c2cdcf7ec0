"""The demo's one short outage: `tower run` switches a sandbox system off some minutes after
start and back on a few minutes later, so an integration incident opens, holds the orders
waiting on that system (with their value) and closes again when the source is back — the
incident → orders link a new user should see once. The setting is `TOWER_DEMO_OUTAGE`
(tower.config.DemoOutage; `off` turns it off).
"""

from __future__ import annotations

import json
import sys
import threading
from pathlib import Path

import httpx

from tower.config import DemoOutage


def _faults(info_path: Path, body: dict) -> None:
    info = json.loads(info_path.read_text())
    httpx.post(info["admin_url"] + "/admin/faults", json=body, timeout=10,
               headers={"Authorization": f"Bearer {info['admin_token']}"}).raise_for_status()


def run(outage: DemoOutage, info_path: Path, stop: threading.Event) -> None:
    """Wait, switch the outage on, wait, switch it off (unless asked to stop first). A sandbox
    that does not answer is reported on stderr; the demo goes on without its outage."""
    if stop.wait(outage.after_seconds):
        return
    try:
        _faults(info_path, {outage.system: {"outage": "503"}})
        print(f"tower: demo outage — {outage.system.upper()} is down for {outage.for_seconds / 60:g} min; "
              f"watch /integrations", flush=True)
        stop.wait(outage.for_seconds)
        _faults(info_path, {outage.system: None})
        print(f"tower: demo outage over — {outage.system.upper()} is back", flush=True)
    except (httpx.HTTPError, OSError, ValueError, KeyError) as exc:
        print(f"tower: the demo outage could not be switched: {exc}", file=sys.stderr, flush=True)


def start(outage: DemoOutage | None, info_path: Path, stop: threading.Event) -> threading.Thread | None:
    if outage is None:
        return None
    thread = threading.Thread(target=run, args=(outage, info_path, stop), name="demo-outage", daemon=True)
    thread.start()
    return thread
