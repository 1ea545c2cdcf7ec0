"""/integrations in a real browser: stream status in words, a dead letter to view and replay,
and an open incident with the orders it holds."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.ages import wms_age
from tower import clock


@pytest.fixture(scope="module")
def with_letters_and_incident(live_server, engine_live):
    with engine_live.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO dead_letters (source, stream, record_key, payload, reason) VALUES "
            "('wms', 'shipments', 'SHP-BAD-1', '{\"shipment_id\": \"SHP-BAD-1\", \"qty\": \"many\"}', "
            "'qty must be a number, got ''many''')"))
        order_ids = [r[0] for r in conn.execute(sa.text("SELECT order_id FROM orders ORDER BY order_id LIMIT 3"))]
        incident = conn.execute(sa.text(
            "INSERT INTO exceptions (kind, subject, severity, status, title, opened_at) VALUES "
            "('integration_incident', 'wms-test', 'critical', 'open', 'WMS data is stale (test)', :now) "
            "RETURNING exception_id"), {"now": clock.now()}).scalar_one()
        for oid in order_ids:
            conn.execute(sa.text("INSERT INTO incident_orders VALUES (:e, :o)"), {"e": incident, "o": oid})
    return order_ids


def test_streams_show_their_status_in_words(page, live_server, sign_in, shot, with_letters_and_incident):
    sign_in(page, "admin")
    page.goto(live_server.url + "/integrations")
    # the fixture's WMS feed was last polled 47 minutes ago: down, and says why
    wms_row = page.locator("#integrations-streams-table tbody tr", has=page.locator("td", has_text="WMS"))
    expect(wms_row.first).to_contain_text(wms_age(live_server))
    # Each assertion waits for its own state: the table is redrawn by the page's refresh, and a
    # read taken once, between two draws, found it empty on a busy machine.
    # (badges are upper-cased by CSS; the words are what matter)
    expect(wms_row.first).to_contain_text(re.compile("✖ down", re.IGNORECASE), use_inner_text=True)
    expect(page.locator("#integrations-streams-table")).to_contain_text(re.compile("● up", re.IGNORECASE),
                                                                          use_inner_text=True)
    shot(page, "streams")


def test_an_incident_lists_the_orders_it_holds(page, live_server, sign_in, shot, with_letters_and_incident):
    sign_in(page, "executive")
    page.goto(live_server.url + "/integrations")
    expect(page.locator("#integrations-incidents-table")).to_contain_text("WMS data is stale (test)")
    page.click("#integrations-incidents-table >> text=Show orders")
    links = page.locator("#integrations-incident-orders-table a")
    expect(links).to_have_count(len(with_letters_and_incident))
    shown = set(links.all_inner_texts())
    assert shown == set(with_letters_and_incident)
    shot(page, "incident")


def test_an_admin_views_and_replays_a_dead_letter(page, live_server, engine_live, sign_in, shot,
                                                  with_letters_and_incident):
    sign_in(page, "admin")
    page.goto(live_server.url + "/integrations")
    page.wait_for_selector("#integrations-letters .ag-row")
    page.click("#integrations-letters .ag-row >> text=SHP-BAD-1")
    # expect() polls from outside the page: the page's CSP forbids the eval wait_for_function needs
    expect(page.locator("#integrations-letter-detail")).to_contain_text("many")
    page.click("#integrations-letters .ag-row .ag-checkbox-input")
    page.click("#integrations-replay")
    expect(page.locator("#integrations-replay-result")).to_contain_text("Queued")
    # The page only marks the letter; the collector process's dead-letter job replays it.
    assert "Queued 1 for replay" in page.inner_text("#integrations-replay-result")
    with engine_live.connect() as conn:
        marked = conn.execute(sa.text("SELECT replay_requested_at FROM dead_letters "
                                      "WHERE record_key = 'SHP-BAD-1'")).scalar_one()
    assert marked is not None
    shot(page, "replay")
