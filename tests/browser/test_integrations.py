"""/integrations in a real browser: stream status in words, a dead letter to view and replay,
and an open incident with the orders it holds."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

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
    page.wait_for_selector("#integrations-streams-table")
    table = page.inner_text("#integrations-streams-table")
    # the fixture's WMS feed was last polled 47 minutes ago: down, and says why
    wms_row = next(r for r in page.query_selector_all("#integrations-streams-table tbody tr")
                   if r.query_selector("td").inner_text() == "WMS")
    # (badges are upper-cased by CSS; the words are what matter)
    assert "✖ down" in wms_row.inner_text().lower() and "47 min" in wms_row.inner_text()
    assert "● up" in table.lower()
    shot(page, "streams")


def test_an_incident_lists_the_orders_it_holds(page, live_server, sign_in, shot, with_letters_and_incident):
    sign_in(page, "executive")
    page.goto(live_server.url + "/integrations")
    page.wait_for_selector("#integrations-incidents-table")
    assert "WMS data is stale (test)" in page.inner_text("#integrations-incidents-table")
    page.click("#integrations-incidents-table >> text=Show orders")
    page.wait_for_selector("#integrations-incident-orders-table")
    shown = {a.inner_text() for a in page.query_selector_all("#integrations-incident-orders-table a")}
    assert shown == set(with_letters_and_incident)
    shot(page, "incident")


def test_an_admin_views_and_replays_a_dead_letter(page, live_server, engine_live, sign_in, shot,
                                                  with_letters_and_incident):
    sign_in(page, "admin")
    page.goto(live_server.url + "/integrations")
    page.wait_for_selector("#integrations-letters .ag-row")
    page.click("#integrations-letters .ag-row >> text=SHP-BAD-1")
    page.wait_for_function("document.querySelector('#integrations-letter-detail').innerText.includes('many')")
    page.click("#integrations-letters .ag-row .ag-checkbox-input")
    page.click("#integrations-replay")
    page.wait_for_function("document.querySelector('#integrations-replay-result').innerText.includes('Queued')")
    # The page only marks the letter; the collector process's dead-letter job replays it.
    assert "Queued 1 for replay" in page.inner_text("#integrations-replay-result")
    with engine_live.connect() as conn:
        marked = conn.execute(sa.text("SELECT replay_requested_at FROM dead_letters "
                                      "WHERE record_key = 'SHP-BAD-1'")).scalar_one()
    assert marked is not None
    shot(page, "replay")
