"""`tower run`'s demo outage switches a sandbox system off and back on, on schedule."""

from __future__ import annotations

import threading
import time

import httpx

from tower.commands import demo_outage
from tower.config import DemoOutage


def faults(sb) -> dict:
    return httpx.get(sb.admin_url + "/admin/faults", headers={"Authorization": f"Bearer {sb.admin_token}"}).json()


def test_the_demo_outage_takes_the_system_down_then_brings_it_back(tmp_path):
    from tower.sandbox.server import start_sandbox

    sb = start_sandbox(tmp_path / "sb", seed=3, days=1, orders_per_day=10, base_port=0, live=False)
    try:
        info = sb.write_info()
        stop = threading.Event()
        thread = demo_outage.start(DemoOutage("wms", 0.0, 30.0), info, stop)
        deadline = time.monotonic() + 20
        while not faults(sb).get("wms") and time.monotonic() < deadline:
            time.sleep(0.05)
        assert httpx.get(sb.urls["wms"] + "/health").status_code == 503
        stop.set()   # stopping early ends the wait; the thread returns without clearing
        thread.join(10)
        assert not thread.is_alive()
    finally:
        sb.stop()


def test_the_demo_outage_clears_itself_when_its_time_is_up(tmp_path):
    from tower.sandbox.server import start_sandbox

    sb = start_sandbox(tmp_path / "sb", seed=3, days=1, orders_per_day=10, base_port=0, live=False)
    try:
        thread = demo_outage.start(DemoOutage("carrier", 0.0, 0.5), sb.write_info(), threading.Event())
        thread.join(20)
        assert not thread.is_alive() and not faults(sb).get("carrier")
        assert httpx.get(sb.urls["carrier"] + "/health").status_code == 200
    finally:
        sb.stop()


def test_no_outage_is_scheduled_when_it_is_turned_off(tmp_path):
    assert demo_outage.start(None, tmp_path / "sandbox.json", threading.Event()) is None
