"""Hostile values into every input and state of every server callback (read from
/_dash-dependencies, the page router included): never a 500, never HTML of ours or theirs
reflected where it would run (plotly figures, markdown cells), and the database changed only
by legitimate, validated actions."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

from tests.security.conftest import ROLE_USERS
from tests.security.dash_calls import Callback, call, server_callbacks
from tests.security.values import pattern_key, plausible
from tower.auth.tokens import SCOPES
from tower.store.exceptions import MAX_COMMENT_CHARS, REASON_CODES

PAYLOAD_HTML = "<img src=x onerror=alert(1)>"
HOSTILE = ["\x00", "x" * 100_000, float("nan"), float("inf"), -1, -1e308, 10**25, True, [], {},
           [{"exception_id": "1; DROP TABLE orders"}], {"big": None, "refresh": [1]},
           "'; DROP TABLE orders;--", PAYLOAD_HTML, "²", "ATL-1|released|x", None]
# The button that sends each typed value of the exceptions page's action panel.
TRIGGER_FOR = {("exceptions-comment", "value"): ("exceptions-comment-btn", "n_clicks"),
               ("exceptions-assignee", "value"): ("exceptions-assign", "n_clicks"),
               ("exceptions-snooze-for", "value"): ("exceptions-snooze", "n_clicks"),
               ("exceptions-reason", "value"): ("exceptions-resolve", "n_clicks")}
# Tables nothing in the web app may change; exceptions and their audit are checked apart.
FROZEN = ("orders", "order_lines", "milestones", "shipments", "invoices", "payments", "identifiers",
          "users", "teams", "dead_letters", "incident_orders", "kpi_daily", "queue_snapshots")


def _checksums(engine) -> dict[str, tuple[int, str]]:
    out = {}
    with engine.connect() as conn:
        for table in FROZEN:
            out[table] = tuple(conn.execute(sa.text(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {table} t"
            )).one())
    return out


def _baseline(world) -> dict:
    values = plausible(world, "DAL-1")
    values.update({("exceptions-assignee", "value"): ROLE_USERS["cs"], ("exceptions-comment", "value"): "checked",
                   ("exceptions-snooze-for", "value"): "4", ("exceptions-reason", "value"): "other",
                   ("queues-selected", "data"): "DAL-1|released",
                   # the /tokens page: a valid token request, so each hostile value reaches the store
                   ("tokens-user", "value"): ROLE_USERS["cs"], ("tokens-scopes", "value"): ["orders:read"],
                   ("tokens-days", "value"): 30, ("tokens-label", "value"): "fuzz",
                   ("tokens-create", "n_clicks"): 1, ("tokens-revoke", "n_clicks"): 1})
    return values


def _unsafe_html(node, inside_figure: bool = False) -> list[str]:
    """Places in a callback answer where the HTML payload would be interpreted: a plotly
    figure (labels, hover, titles) or a markdown cell ("[text](link)")."""
    found = []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _unsafe_html(value, inside_figure or key == "figure")
    elif isinstance(node, list):
        for value in node:
            found += _unsafe_html(value, inside_figure)
    elif isinstance(node, str) and "<img" in node:
        if inside_figure or "](" in node:
            found.append(node[:120])
    return found


def _slots(cb: Callback) -> list[tuple[tuple[str, str], tuple[str, str]]]:
    """(slot to fill with a hostile value, the input that fires the call)."""
    out = [(slot, slot) for slot in cb.inputs]
    out += [(slot, TRIGGER_FOR.get(slot, cb.inputs[0])) for slot in cb.state]
    return out


# About 1,000 hostile calls over real HTTP, each checked against the database: on a loaded
# machine that takes longer than the suite's 300 s default, so this one test gets more.
@pytest.mark.timeout(900)
def test_hostile_values_in_every_callback_input_never_break_the_app_or_its_data(world):
    client = world.client(ROLE_USERS["admin"])
    callbacks = server_callbacks(client)
    with world.engine.connect() as conn:
        events_before = conn.execute(sa.text("SELECT max(event_id) FROM exception_events")).scalar_one() or 0
        tokens_before = conn.execute(sa.text("SELECT coalesce(max(token_id), 0) FROM api_tokens")).scalar_one()
        exceptions_before = conn.execute(sa.text("SELECT count(*) FROM exceptions")).scalar_one()
    before = _checksums(world.engine)
    baseline = _baseline(world)
    failures = []
    calls = answered = 0
    for cb in callbacks:
        for slot, trigger in _slots(cb):
            for hostile in HOSTILE:
                values = {**baseline, slot: hostile}
                response = call(client, cb, values, trigger=trigger, pattern_key=pattern_key(world, cb))
                calls += 1
                if response.status_code >= 500:
                    failures.append((cb.name, slot, repr(hostile)[:40], response.status_code,
                                     response.get_data(as_text=True)[:200]))
                    continue
                answered += response.status_code in (200, 204)
                if response.status_code == 200 and response.is_json:
                    unsafe = _unsafe_html(response.get_json())
                    if unsafe:
                        failures.append((cb.name, slot, repr(hostile)[:40], "unescaped HTML", unsafe[:2]))
    assert calls > 500, "the fuzz should reach every input of every callback"
    assert answered > calls / 2, f"only {answered} of {calls} calls reached a callback (refused before?)"
    assert not failures, json.dumps(failures[:15], indent=1, default=str)
    assert _checksums(world.engine) == before, "a table nothing may change was changed"
    with world.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM exceptions")).scalar_one() == exceptions_before
        new_events = conn.execute(sa.text(
            "SELECT actor, reason, comment FROM exception_events WHERE event_id > :e"), {"e": events_before}).all()
        assignees = {r[0] for r in conn.execute(sa.text("SELECT DISTINCT assignee FROM exceptions"))}
        known = {r[0] for r in conn.execute(sa.text("SELECT username FROM users"))}
        new_tokens = conn.execute(sa.text("SELECT username, label, scopes, created_by FROM api_tokens "
                                          "WHERE token_id > :t"), {"t": tokens_before}).all()
    for actor, reason, comment in new_events:  # what did change, changed legitimately
        assert actor == ROLE_USERS["admin"]
        assert reason is None or reason in REASON_CODES
        assert comment is None or (len(comment) <= MAX_COMMENT_CHARS and "\x00" not in comment)
    assert assignees - {None} <= known
    assert any(label == "fuzz" for _, label, _, _ in new_tokens), "the fuzz should reach the token store"
    for username, label, scopes, by in new_tokens:  # tokens made are valid ones, for a real user
        assert username in known and by == ROLE_USERS["admin"]
        assert len(label) <= 200 and "\x00" not in label
        assert set(scopes) <= set(SCOPES)
