"""Working the exceptions grid: act and see the audit, filters in the URL, CSV export."""

from __future__ import annotations

import csv
import io
from urllib.parse import parse_qs, urlparse

from playwright.sync_api import expect

from tower import clock
from tower.data import exceptions as data
from tower.data.scope import Scope
from tower.kpis import sla
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
AT_RISK = sla.at_risk_share(BUILTIN_POLICY)

EVERYTHING = Scope.everything()


def _open_rows(engine, **query) -> list[int]:
    with engine.connect() as conn:
        frame = data.open_list(data.Filters.from_query(query), conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK, limit=None)
    return frame["exception_id"].tolist()


def _grid_ids(page) -> list[int]:
    page.wait_for_selector("#exceptions-grid .ag-row")
    ids = page.locator("#exceptions-grid .ag-center-cols-container .ag-row [col-id='exception_id']").all_inner_texts()
    return [int(i) for i in ids]


def _pick(page, control: str, option: str) -> None:
    page.click(f"#{control}")
    page.get_by_role("option", name=option, exact=True).click()
    page.keyboard.press("Escape")


def test_acknowledge_comment_and_resolve_are_recorded_in_the_history(page, live_server, engine_live, sign_in, shot):
    target = _open_rows(engine_live, kind="pricing_discrepancy")[-1]
    sign_in(page, "finance")
    page.goto(f"{live_server.url}/exceptions?id={target}")
    history = page.locator("#exceptions-history-list")
    expect(history).to_contain_text(f"#{target}")
    done = page.locator("#exceptions-done")

    page.click("#exceptions-ack")
    expect(done).to_contain_text("Acknowledged 1 of 1 selected")
    expect(history).to_contain_text("acknowledged by finance")
    shot(page, "acknowledged")

    page.fill("#exceptions-comment", "Checked the price list with the customer")
    page.click("#exceptions-comment-btn")
    expect(done).to_contain_text("Commented on 1 of 1 selected")
    expect(history).to_contain_text("Checked the price list with the customer")

    _pick(page, "exceptions-reason", "customer contacted")
    page.click("#exceptions-resolve")
    expect(done).to_contain_text("Resolved 1 of 1 selected")
    expect(history).to_contain_text("resolved by finance")
    expect(history).to_contain_text("reason: customer_contacted")
    shot(page, "resolved")
    expect(page.locator(f"#exceptions-grid .ag-row[row-id='{target}']")).to_have_count(0)  # no longer open
    expect(page.locator("#exceptions-count")).to_contain_text("No open exceptions match")
    page.reload()  # the deep link still shows its history once resolved
    expect(page.locator("#exceptions-history-list")).to_contain_text("resolved by finance")

    with engine_live.connect() as conn:
        audit = data.history([target], conn=conn)
    assert set(audit["actor"]) >= {"finance"}
    mine = audit[audit["actor"] == "finance"].sort_values("event_id")
    assert list(mine["action"]) == ["acknowledged", "commented", "resolved"]
    assert mine.iloc[-1]["to_status"] == "resolved"


def test_acting_on_several_rows_at_once(page, live_server, engine_live, sign_in):
    targets = _open_rows(engine_live, kind="carrier_delay")[:2]
    assert len(targets) == 2
    sign_in(page, "cs")
    page.goto(f"{live_server.url}/exceptions?kind=carrier_delay")
    for target in targets:
        page.locator(f"#exceptions-grid .ag-row[row-id='{target}'] input[type='checkbox']").first.check()
    page.fill("#exceptions-assignee", "supervisor")  # an assignee must be a user who signs in
    page.click("#exceptions-assign")
    expect(page.locator("#exceptions-done")).to_contain_text("Assigned 2 of 2 selected")
    with engine_live.connect() as conn:
        audit = data.history(targets, conn=conn)
    assigned = audit[audit["action"] == "assigned"]
    assert sorted(assigned["exception_id"]) == sorted(targets)
    assert set(assigned["actor"]) == {"cs"}


def test_filters_live_in_the_url_and_a_reload_gives_the_same_view(page, live_server, engine_live, sign_in, shot):
    sign_in(page, "finance")
    page.goto(f"{live_server.url}/exceptions")
    everything = _grid_ids(page)
    _pick(page, "exceptions-f-kind", "pricing discrepancy")
    _pick(page, "exceptions-f-warehouse", "DAL-1")
    page.click("#exceptions-apply")
    page.wait_for_url("**/exceptions?*kind=pricing_discrepancy*")
    query = {k: v[0] for k, v in parse_qs(urlparse(page.url).query).items()}
    assert query == {"kind": "pricing_discrepancy", "warehouse": "DAL-1"}
    expect(page.locator("#exceptions-count")).not_to_contain_text(f"{len(everything)} open")
    filtered = _grid_ids(page)
    assert filtered == _open_rows(engine_live, **query)  # same rows, same priority order
    assert 0 < len(filtered) < len(everything)
    shot(page, "filtered")
    page.reload()
    assert _grid_ids(page) == filtered
    # The filter controls show the filters of the URL after the reload too.
    expect(page.locator(".mantine-Pill-label", has_text="pricing discrepancy")).to_have_count(1)
    expect(page.locator(".mantine-Pill-label", has_text="DAL-1")).to_have_count(1)
    shot(page, "reloaded")


def test_csv_export_holds_exactly_the_filtered_rows(page, live_server, engine_live, sign_in):
    sign_in(page, "finance")
    page.goto(f"{live_server.url}/exceptions?severity=medium&sla=on_track")
    page.wait_for_selector("#exceptions-grid .ag-row")
    with page.expect_download() as download:
        page.click("#exceptions-export")
    text = open(download.value.path(), encoding="utf-8").read()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(r["exception_id"]) for r in rows] == _open_rows(engine_live, severity="medium", sla="on_track")
    assert rows and all(r["severity"] == "medium" and r["sla_state"] == "on_track" for r in rows)


def test_a_supervisor_scoped_to_a_warehouse_sees_only_its_exceptions(page, live_server, engine_live, sign_in, shot):
    sign_in(page, "supervisor_scoped")
    page.goto(f"{live_server.url}/exceptions")
    shown = _grid_ids(page)
    warehouses = set(page.locator("#exceptions-grid .ag-center-cols-container [col-id='warehouse']").all_inner_texts())
    assert warehouses == {"DAL-1"}
    assert shown == _open_rows(engine_live, warehouse="DAL-1")
    shot(page, "scoped")
