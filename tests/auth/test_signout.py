"""Signing out takes a POST with this browser's CSRF token (the shell's sign-out control sends
it): a GET of /logout, which any other site can make a browser send, signs nobody out."""

from __future__ import annotations

import re

from tests.auth.conftest import callback, render, sign_in, sign_out, signed_in


def _still_signed_in(client) -> bool:
    return client.get("/orders").status_code == 200 and callback(client).status_code == 200


def _page_token(page: str) -> str:
    found = re.search(r'name=csrf_token value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def test_a_get_of_logout_signs_nobody_out_and_offers_the_sign_out_button(server):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    answer = client.get("/logout")  # a link or an image on another site does the same
    assert answer.status_code == 200 and "Sign out of tower?" in answer.get_data(as_text=True)
    assert _still_signed_in(client)
    pressed = client.post("/logout", data={"csrf_token": _page_token(answer.get_data(as_text=True))})
    assert pressed.status_code == 302 and pressed.location == "/login?signed_out=1"
    assert client.get("/orders").status_code == 302


def test_a_post_without_this_browsers_token_signs_nobody_out(server):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    other = server.test_client()
    assert signed_in(sign_in(other, "finance1"))
    other_token = _page_token(other.get("/logout").get_data(as_text=True))
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": other_token}):
        answer = client.post("/logout", data=data)
        assert answer.status_code == 200 and "Sign out of tower?" in answer.get_data(as_text=True)
        assert _still_signed_in(client)
    assert sign_out(client).location == "/login?signed_out=1"  # the shell's control works
    assert not _still_signed_in(client)
    assert _still_signed_in(other)  # only this browser's session ended


def test_logout_without_a_session_goes_to_sign_in(server):
    client = server.test_client()
    assert client.get("/logout").location == "/login"
    assert client.post("/logout").location == "/login?signed_out=1"


def test_the_sign_in_page_explains_a_session_that_ended_under_an_open_page(server):
    assert "Your session has ended" in render(server.test_client(), "/login", "?error=ended")
