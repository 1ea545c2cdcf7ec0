"""Crawls of every page and every server callback (read from /_dash-dependencies, so a new
callback is covered without anyone listing it): strangers and wrong roles get 302/401/403
and no data; a supervisor scoped to DAL-1 never sees another warehouse's order, team or
assignee, whatever page, link or callback value they try."""

from __future__ import annotations

import json
import re

import dash
import pytest

from tests.security.conftest import ATL_ONLY, ROLE_USERS, SCOPED
from tests.security.dash_calls import call, render_page, server_callbacks
from tests.security.values import pattern_key, plausible
from tower.auth import roles


def _pages(world) -> dict[str, str]:
    """path -> page prefix (its module's name) of every registered page."""
    found = {}
    for module, page in dash.page_registry.items():
        template = page.get("path_template")
        path = template.replace("<order_id>", world.seeded.orders[0].order_id) if template else page["path"]
        found[path] = module.rsplit(".", 1)[-1]
    return found


def _page_paths(world) -> list[str]:
    return sorted(_pages(world))


def _every_order_key(world) -> set[str]:
    return world.own | world.foreign


def _leaks(text: str, secrets: set[str], typed: str = "") -> set[str]:
    """The secrets `text` shows. What the user typed (in `typed`: the path or the values sent)
    may be echoed back ("no order “SO-1”"), but never as a link to the order."""
    for secret in secrets:
        if secret in typed:
            text = re.sub(rf"(?<!/orders/){re.escape(secret)}", "", text)
    return {s for s in secrets if s in text}


def test_a_stranger_is_sent_to_sign_in_from_every_page_and_refused_every_callback(world):
    client = world.client()
    for path, prefix in _pages(world).items():
        response = client.get(path)
        if prefix in roles.PUBLIC_PREFIXES:
            assert response.status_code in (200, 302), path
            assert not _leaks(response.get_data(as_text=True), _every_order_key(world)), path
            continue
        assert response.status_code == 302 and response.location.startswith("/login"), path
    callbacks = server_callbacks(client)
    assert len(callbacks) >= 15, "the crawl should find every server callback"
    for cb in callbacks:
        response = call(client, cb, plausible(world), pattern_key=pattern_key(world, cb))
        text = response.get_data(as_text=True)
        if cb.is_router:  # the router: every guarded layout refuses a stranger
            for path in _page_paths(world):
                page = render_page(client, path).get_data(as_text=True)
                assert not _leaks(page, _every_order_key(world)), path
            continue
        assert response.status_code == 401, (cb.name, response.status_code)
        assert not _leaks(text, _every_order_key(world)), cb.name


@pytest.mark.parametrize("role", sorted(ROLE_USERS))
def test_a_role_is_refused_every_callback_and_page_it_may_not_open(world, role):
    client = world.client(ROLE_USERS[role])
    refused = 0
    for cb in server_callbacks(client):
        if cb.is_router or roles.may_open(role, cb.page_prefix):
            continue
        response = call(client, cb, plausible(world), pattern_key=pattern_key(world, cb))
        assert response.status_code == 403, (role, cb.name, response.status_code)
        assert not _leaks(response.get_data(as_text=True), _every_order_key(world)), (role, cb.name)
        refused += 1
    for path, prefix in _pages(world).items():
        if roles.may_open(role, prefix):
            continue
        page = render_page(client, path)
        text = page.get_data(as_text=True)
        assert page.status_code == 200 and "page-refused" in text, (role, path)
        assert not _leaks(text, _every_order_key(world)), (role, path)
    assert role == "admin" or refused, f"{role} may open every page? the crawl refused nothing"


def _scoped_pages(world) -> list[str]:
    foreign = [o for o in world.seeded.orders if o.warehouse != "DAL-1"]
    atl_exception = world.exceptions["ATL-1"][0]
    paths = _page_paths(world)
    paths += [f"/orders/{o.order_id}" for o in foreign]
    paths += [f"/orders?q={key}" for o in foreign[:6] for key in (o.order_id, o.customer_po, o.tracking_no) if key]
    paths += [f"/exceptions?order={foreign[0].order_id}", f"/exceptions?id={atl_exception}",
              "/exceptions?warehouse=ATL-1", f"/exceptions?assignee={ATL_ONLY}",
              "/queues?cell=ATL-1|released&stages=all", "/teams?team=warehouse-ATL-1&days=90",
              "/kpis?warehouse=ATL-1", "/flow?warehouse=ATL-1", "/integrations"]
    return paths


def test_a_supervisor_scoped_to_dal_1_never_sees_another_warehouse(world):
    client = world.client(SCOPED)
    shown_own = set()
    for path in _scoped_pages(world):
        pathname, _, search = path.partition("?")
        response = render_page(client, pathname, "?" + search if search else "")
        text = response.get_data(as_text=True)
        assert response.status_code == 200, (path, response.status_code)
        assert not _leaks(text, world.foreign, path), (path, _leaks(text, world.foreign, path))
        shown_own |= _leaks(text, world.own)
    callbacks = server_callbacks(client)
    for warehouse in ("ATL-1", "RNO-1"):
        values = plausible(world, warehouse)
        for cb in callbacks:
            if cb.is_router or not roles.may_open("supervisor", cb.page_prefix):
                continue
            for trigger in cb.inputs:
                response = call(client, cb, values, trigger=trigger, pattern_key=pattern_key(world, cb))
                text = response.get_data(as_text=True)
                assert response.status_code in (200, 204), (cb.name, trigger, response.status_code)
                typed = json.dumps(list(values.values()))
                assert not _leaks(text, world.foreign, typed), (cb.name, trigger, _leaks(text, world.foreign, typed))
                shown_own |= _leaks(text, world.own)
    assert shown_own, "the crawl should see DAL-1's own orders somewhere (else it proves nothing)"


def test_an_order_outside_the_scope_answers_exactly_like_an_unknown_order(world):
    client = world.client(SCOPED)
    foreign = world.orders_of("ATL-1")[0].order_id
    unknown = foreign[:-1] + "X"  # shares every prefix, so the "did you mean" hints are alike too
    outside = render_page(client, f"/orders/{foreign}").get_json()
    missing = render_page(client, f"/orders/{unknown}").get_json()
    assert json.dumps(outside).replace(foreign, unknown) == json.dumps(missing)
    own = world.orders_of("DAL-1")[0].order_id
    assert "order-header" in json.dumps(render_page(client, f"/orders/{own}").get_json())
