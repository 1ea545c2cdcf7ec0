"""The /tokens page: administrators list, make and revoke tokens; nobody else may."""

from __future__ import annotations

from tests.api.conftest import PASSWORD, World
from tests.auth.conftest import sign_in
from tests.security.dash_calls import call, server_callbacks


def _signed_in(world: World, username: str):
    client = world.client()
    response = sign_in(client, username, PASSWORD)  # the real form, with its CSRF token
    assert response.status_code == 302 and "error" not in response.location
    return client


def _callback(client, name: str):
    return next(c for c in server_callbacks(client) if c.outputs[0][0] == name)


def test_an_admin_makes_a_token_that_works_once_shown_and_revokes_it(world: World) -> None:
    client = _signed_in(world, "admin1")
    made = call(client, _callback(client, "tokens-created"), {
        ("tokens-user", "value"): "cs1", ("tokens-scopes", "value"): ["orders:read"],
        ("tokens-days", "value"): 30, ("tokens-label", "value"): "crm", ("tokens-create", "n_clicks"): 1})
    assert made.status_code == 200
    text = made.get_data(as_text=True)
    secret = text.split("tower_", 1)[1].split('"', 1)[0]
    token = "tower_" + secret
    api = world.client()
    order = world.seeded.orders[0].order_id
    assert api.get(f"/api/v1/orders/{order}", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    with world.engine.connect() as conn:
        from tower.auth import tokens

        listed = tokens.list_tokens(conn=conn)
    token_id = int(listed[listed["label"] == "crm"]["token_id"].iloc[0])
    revoked = call(client, _callback(client, "tokens-revoked"), {("tokens-revoke-id", "value"): token_id,
                                                                 ("tokens-revoke", "n_clicks"): 1})
    assert "revoked" in revoked.get_data(as_text=True)
    assert api.get(f"/api/v1/orders/{order}", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_a_token_beyond_the_users_role_is_refused_on_the_page(world: World) -> None:
    client = _signed_in(world, "admin1")
    made = call(client, _callback(client, "tokens-created"), {
        ("tokens-user", "value"): "cs1", ("tokens-scopes", "value"): ["integrations:read"],
        ("tokens-create", "n_clicks"): 1})
    assert "may not hold" in made.get_data(as_text=True)


def test_the_page_and_its_callbacks_are_closed_to_other_roles(world: World) -> None:
    make = _callback(_signed_in(world, "admin1"), "tokens-created")
    supervisor = _signed_in(world, "supervisor1")
    denied = call(supervisor, make, {("tokens-user", "value"): "supervisor1",
                                     ("tokens-scopes", "value"): ["orders:read"], ("tokens-create", "n_clicks"): 1})
    assert denied.status_code == 403
    from tests.security.dash_calls import render_page

    page = render_page(supervisor, "/tokens").get_data(as_text=True)
    assert "tokens-create" not in page
