"""Every fault switch is observable over HTTP, and switching it off restores normal service."""

from __future__ import annotations

import time

import httpx
import pytest

from tests.sandbox.conftest import get, pages, read_all
from tower.sandbox.faults import DEFECTS, KEYS, apply_defect, parse_spec
from tower.sandbox.world import parse_iso_ms


def test_an_outage_answers_503_with_retry_after_until_it_is_cleared(make_sandbox):
    sb = make_sandbox()
    sb.set_faults("erp", outage="503")
    down = get(sb, "erp", "sales-orders")
    assert down.status_code == 503 and down.headers["Retry-After"] == "2"
    assert httpx.get(f"{sb.urls['erp']}/health").status_code == 503
    assert get(sb, "wms", "tasks").status_code == 200  # the others keep flowing
    sb.set_faults("erp", outage=None)
    assert get(sb, "erp", "sales-orders").status_code == 200


def test_a_refused_outage_closes_the_port_and_reopens_the_same_one(make_sandbox):
    sb = make_sandbox()
    url = sb.urls["wms"]
    sb.set_faults("wms", outage="refused")
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/health", timeout=2)
    sb.set_faults("wms", clear=True)
    assert sb.urls["wms"] == url
    assert httpx.get(f"{url}/health", timeout=2).status_code == 200


def test_slowness_delays_every_response(make_sandbox):
    sb = make_sandbox()
    sb.set_faults("carrier", slow_ms=500)
    started = time.perf_counter()
    assert get(sb, "carrier", "tracking-events", limit=1).status_code == 200
    assert time.perf_counter() - started >= 0.35


def test_duplicates_repeat_records_across_pages_but_lose_none(make_sandbox):
    sb = make_sandbox()
    clean = {r["task_id"] for r in read_all(sb, "wms", "tasks", limit=40)}
    sb.set_faults("wms", duplicates=1.0)
    noisy = list(pages(sb, "wms", "tasks", limit=40))
    keys = [r["task_id"] for page in noisy for r in page]
    assert len(keys) > len(set(keys))
    assert set(keys) == clean
    first_keys = [{r["task_id"] for r in page} for page in noisy]
    assert any(a & b for a, b in zip(first_keys, first_keys[1:])), "no record repeated across pages"
    for page in noisy:  # repeats never break the documented ordering within a page
        order = [(parse_iso_ms(r["updated_at"]), r["task_id"]) for r in page]
        assert order == sorted(order)


def test_out_of_order_publishes_some_versions_late_behind_newer_ones(make_sandbox):
    sb = make_sandbox(orders_per_day=400)
    sb.set_faults("carrier", out_of_order=1800)
    bookmark = max(r["updated_at"] for r in read_all(sb, "carrier", "tracking-events", limit=500))
    sb.advance(minutes=120)
    first = read_all(sb, "carrier", "tracking-events", limit=500, updated_since=bookmark)
    newest = max(parse_iso_ms(r["updated_at"]) for r in first)
    seen = {r["event_id"] for r in first}
    sb.set_faults("carrier", clear=True)
    sb.advance(minutes=40)
    second = read_all(sb, "carrier", "tracking-events", limit=500, updated_since=bookmark)
    late = [r for r in second if r["event_id"] not in seen and parse_iso_ms(r["updated_at"]) < newest]
    assert late, "no version arrived behind a newer one"
    published = {row["key"] for row in sb.ledger("carrier", with_record=False)
                 if parse_iso_ms(row["updated_at"]) >= parse_iso_ms(bookmark)}
    assert published == {r["event_id"] for r in second}


def test_malformed_records_are_corrupted_persistently_and_the_ledger_names_the_defect(make_sandbox):
    sb = make_sandbox(days=25, orders_per_day=30)  # payments come weeks after the order
    bookmark = max(r["updated_at"] for r in read_all(sb, "finance", "payments", limit=500))
    switched_on = sb.now()
    sb.set_faults("finance", malformed=1.0)
    sb.advance(minutes=24 * 60)
    sb.set_faults("finance", malformed=0.0)
    defects = {row["key"]: row["defect"] for row in sb.ledger("finance", "payments", with_record=False)
               if parse_iso_ms(row["published_at"]) > parse_iso_ms(switched_on.isoformat())}
    assert defects and set(defects.values()) <= {"missing_field", "bad_date", "wrong_type"}
    served = [r for r in read_all(sb, "finance", "payments", limit=500, updated_since=bookmark)
              if r["payment_id"] in defects]
    assert len(served) == len(defects)
    for record in served:
        defect = defects[record["payment_id"]]
        if defect == "missing_field":
            assert "amount" not in record
        elif defect == "wrong_type":
            assert isinstance(record["amount"], dict)
        else:
            with pytest.raises(ValueError):
                parse_iso_ms(record["received_at"])
    touched = {r["order_ref"] for r in served if "order_ref" in r}
    assert all(t["defective_records"] > 0 for t in sb.truth() if t["order_no"] in touched)


def test_schema_drift_renames_a_field_and_adds_one_while_it_is_on(make_sandbox):
    sb = make_sandbox()
    sb.set_faults("carrier", drift=True)
    response = get(sb, "carrier", "tracking-events", limit=5)
    record = response.json()["data"][0]
    assert response.headers["X-Schema-Version"] == "2"
    assert "trackingNumber" in record and "tracking_number" not in record
    assert record["schema_version"] == 2 and record["event_id"]
    sb.set_faults("carrier", drift=False)
    assert "tracking_number" in get(sb, "carrier", "tracking-events", limit=5).json()["data"][0]


def test_the_control_service_switches_faults_moves_time_and_serves_the_ledger(make_sandbox):
    sb = make_sandbox()
    admin = {"Authorization": f"Bearer {sb.admin_token}"}
    assert httpx.post(f"{sb.admin_url}/admin/faults", json={"erp": {"outage": "503"}}).status_code == 401
    answer = httpx.post(f"{sb.admin_url}/admin/faults", json={"erp": {"outage": "503"}}, headers=admin)
    assert answer.json()["erp"] == {"outage": "503"}
    assert get(sb, "erp", "sales-orders").status_code == 503
    httpx.post(f"{sb.admin_url}/admin/faults", json={"erp": None}, headers=admin)
    assert get(sb, "erp", "sales-orders").status_code == 200
    bad = httpx.post(f"{sb.admin_url}/admin/faults", json={"erp": {"gremlins": 1}}, headers=admin)
    assert bad.status_code == 400 and "gremlins" in bad.json()["error"]
    before = sb.now()
    moved = httpx.post(f"{sb.admin_url}/admin/advance", json={"minutes": 90}, headers=admin).json()
    assert moved["published"] > 0 and (sb.now() - before).total_seconds() >= 90 * 60
    ledger = httpx.get(f"{sb.admin_url}/admin/ledger/erp", params={"limit": 10}, headers=admin).json()
    assert len(ledger["data"]) == 10 and ledger["next"] == 10
    truth = httpx.get(f"{sb.admin_url}/admin/truth", params={"limit": 3}, headers=admin).json()
    assert [t["order_no"] for t in truth["data"]] == sorted(t["order_no"] for t in truth["data"])


def test_fault_specs_from_the_command_line_parse_or_say_what_is_wrong():
    assert parse_spec("erp=outage,wms=duplicates:0.3,erp=slow") == {
        "erp": {"outage": "503", "slow_ms": 2000}, "wms": {"duplicates": 0.3}}
    assert parse_spec("all=clear")["finance"] == {"clear": True}
    assert parse_spec("carrier=outage:refused,finance=drift")["carrier"] == {"outage": "refused"}
    for bad, message in (("erp", "system=name"), ("crm=outage", "unknown system"),
                         ("erp=gremlins", "unknown fault"), ("erp=slow:fast", "not a valid value")):
        with pytest.raises(ValueError, match=message):
            parse_spec(bad)


def test_every_defect_spoils_every_endpoint_but_keeps_its_key_and_updated_at(make_sandbox):
    sb = make_sandbox(days=25, orders_per_day=20)  # old enough for payments, returns, credits
    for (system, resource), key in KEYS.items():
        sample = next(r["record"] for r in sb.ledger(system, resource))
        for defect in DEFECTS:
            spoilt = apply_defect(sample, resource, defect, sample[key])
            assert spoilt != sample, (resource, defect)
            assert spoilt[key] == sample[key] and spoilt["updated_at"] == sample["updated_at"]
