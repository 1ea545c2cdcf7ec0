"""The four systems behave like real APIs over loopback HTTP: auth, rate limits, incremental
reads with cursors, and records that match the ledger."""

from __future__ import annotations

import socket
import time
from collections import Counter
from datetime import timedelta

import httpx
import pytest

from tests.ports import free_ports
from tests.sandbox.conftest import T0, get, read_all
from tower.sandbox.faults import KEYS, RESOURCES, SYSTEMS
from tower.sandbox.server import start_sandbox
from tower.sandbox.world import parse_iso_ms


def _ledger_current(sb, system, resource):
    return {row["key"]: row for row in sb.ledger(system, resource, with_record=False) if row["current"]}


def test_cursor_paging_returns_every_current_record_exactly_once_in_documented_order(make_sandbox):
    sb = make_sandbox()
    for system in SYSTEMS:
        for resource in RESOURCES[system]:
            records = read_all(sb, system, resource, limit=97)
            key = KEYS[(system, resource)]
            keys = [r[key] for r in records]
            assert Counter(keys).most_common(1)[0][1] == 1 if keys else True
            assert set(keys) == set(_ledger_current(sb, system, resource)), (system, resource)
            order = [(parse_iso_ms(r["updated_at"]), r[key]) for r in records]
            assert order == sorted(order)


def test_updated_since_is_inclusive_and_only_returns_newer_records(make_sandbox):
    sb = make_sandbox()
    everything = read_all(sb, "carrier", "tracking-events", limit=500)
    assert len(everything) > 50
    pivot = everything[len(everything) // 2]
    since = pivot["updated_at"]
    newer = read_all(sb, "carrier", "tracking-events", limit=500, updated_since=since)
    assert pivot["event_id"] in {r["event_id"] for r in newer}
    assert all(parse_iso_ms(r["updated_at"]) >= parse_iso_ms(since) for r in newer)
    expected = [r for r in everything if parse_iso_ms(r["updated_at"]) >= parse_iso_ms(since)]
    assert len(newer) == len(expected)


def test_incremental_reads_after_time_moves_see_the_new_versions_once(make_sandbox):
    sb = make_sandbox()
    first = read_all(sb, "wms", "tasks", limit=200)
    bookmark = max(r["updated_at"] for r in first)
    published = sb.advance(minutes=180)
    assert published > 0
    later = read_all(sb, "wms", "tasks", limit=50, updated_since=bookmark)
    keys = [r["task_id"] for r in later]
    assert len(keys) == len(set(keys))
    changed = {row["key"] for row in sb.ledger("wms", "tasks", with_record=False)
               if parse_iso_ms(row["updated_at"]) >= parse_iso_ms(bookmark) and row["current"]}
    assert set(keys) == changed
    assert any(r["status"] in ("IN_PROGRESS", "DONE") for r in later)


def test_the_page_size_is_capped_at_500_and_bad_parameters_get_400(make_sandbox):
    sb = make_sandbox(days=6, orders_per_day=200)
    page = get(sb, "carrier", "tracking-events", limit=5000).json()
    assert len(page["data"]) == 500 and page["has_more"]
    assert get(sb, "erp", "sales-orders", limit="ten").status_code == 400
    assert get(sb, "erp", "sales-orders", updated_since="last tuesday").status_code == 400
    assert get(sb, "erp", "sales-orders", updated_since="2026-11-01T00:00:00").status_code == 400
    assert get(sb, "erp", "sales-orders", cursor="not-a-cursor").status_code == 400
    assert get(sb, "erp", "orders").status_code == 404


def test_a_wrong_or_missing_token_gets_401_and_each_system_has_its_own_token(make_sandbox):
    sb = make_sandbox()
    url = f"{sb.urls['wms']}/v1/tasks"
    assert httpx.get(url).status_code == 401
    wrong = httpx.get(url, headers={"Authorization": f"Bearer {sb.tokens['erp']}"})
    assert wrong.status_code == 401 and wrong.headers["WWW-Authenticate"] == "Bearer"
    assert len(set(sb.tokens.values())) == 4
    assert httpx.get(f"{sb.urls['wms']}/health").json() == {"system": "wms", "status": "ok"}


def test_over_the_rate_limit_it_answers_429_with_retry_after_then_recovers(make_sandbox):
    sb = make_sandbox(rate_limit=5)
    statuses = [get(sb, "finance", "invoices", limit=1) for _ in range(15)]
    limited = [r for r in statuses if r.status_code == 429]
    assert limited, [r.status_code for r in statuses]
    assert int(limited[0].headers["Retry-After"]) >= 1
    time.sleep(int(limited[0].headers["Retry-After"]))
    assert get(sb, "finance", "invoices", limit=1).status_code == 200
    assert sb.stats()["finance"]["rate_limited"] == len(limited)


def test_a_ratelimit_fault_turns_on_a_429_storm_for_one_system_only(make_sandbox):
    sb = make_sandbox()
    sb.set_faults("erp", rate_limit=0.5)
    answers = [get(sb, "erp", "sales-orders", limit=1).status_code for _ in range(4)]
    assert answers.count(429) >= 3
    assert all(get(sb, "wms", "tasks", limit=1).status_code == 200 for _ in range(4))
    sb.set_faults("erp", rate_limit=None)
    time.sleep(1)
    assert get(sb, "erp", "sales-orders", limit=1).status_code == 200


def test_the_served_records_match_the_ledger_and_the_ledger_matches_the_truth(make_sandbox):
    sb = make_sandbox()
    shipments = read_all(sb, "wms", "shipments", limit=500)
    ledger = _ledger_current(sb, "wms", "shipments")
    assert len(shipments) == len(ledger) == sb.stats()["wms"]["served"]
    by_order = Counter(s["order_ref"] for s in shipments)
    for truth in sb.truth():
        assert truth["shipments"] == by_order.get(truth["order_no"], 0), truth["order_no"]
        shipped = sum(line["qty_shipped"] for line in truth["lines"])
        served = sum(line["qty"] for s in shipments if s["order_ref"] == truth["order_no"]
                     for line in s["lines"])
        assert shipped == served


def test_live_mode_publishes_new_orders_and_progress_as_the_clock_runs(make_sandbox):
    start = time.monotonic()
    # A base clock running 1,200 times real speed: 1.5 s is thirty simulated minutes.
    sb = make_sandbox(live=True, orders_per_day=200,
                      now=lambda: T0 + timedelta(seconds=(time.monotonic() - start) * 1200))
    before = sb.stats()
    published_before = sum(before[s].get("published", 0) for s in SYSTEMS)
    orders_before = len(read_all(sb, "erp", "sales-orders", limit=500))
    # Wait (bounded) for the live thread to publish, however busy the machine is: at this speed
    # a simulated hour passes every 3 s, and new orders arrive several times an hour.
    deadline = time.monotonic() + 120
    while True:
        published = sum(sb.stats()[s]["published"] for s in SYSTEMS)
        orders = len(read_all(sb, "erp", "sales-orders", limit=500))
        if published > published_before and orders > orders_before and sb.now() > T0 + timedelta(minutes=25):
            break
        assert time.monotonic() < deadline, f"nothing new after 120 s: {published} published, {orders} orders"
        time.sleep(0.2)


def test_a_busy_port_is_a_plain_error_and_leaves_no_service_behind(tmp_path):
    # The sandbox's first server gets a free port and its second a port the test holds, so the
    # first must be closed again when the second cannot listen.
    first = free_ports(2)
    busy = socket.socket()
    busy.bind(("127.0.0.1", first + 1))
    busy.listen()
    try:
        with pytest.raises(OSError, match=f"cannot listen on 127.0.0.1:{first + 1}"):
            start_sandbox(tmp_path, seed=1, days=1, orders_per_day=10, base_port=first,
                          now=T0, live=False)
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{first}/health", timeout=2)
    finally:
        busy.close()
