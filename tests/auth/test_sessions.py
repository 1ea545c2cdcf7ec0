"""Server-side sessions: signing out, a password change and an administrator disabling a user
end a session at once; an idle timeout and an absolute lifetime end it too. Time moves through
tower's clock (frozen in these tests), never by sleeping."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import sqlalchemy as sa

from tests.auth.conftest import PASSWORD, callback, sign_in, sign_out, signed_in
from tower import clock
from tower.commands import main as cli


def _cookie(client) -> str:
    found = client.get_cookie("session")
    assert found is not None, "no session cookie was set"
    return found.value


def _replay(server, cookie: str):
    """A new browser that only has a copy of the saved session cookie."""
    thief = server.test_client()
    thief.set_cookie("session", cookie)
    return thief


def _opens_pages(client) -> bool:
    page = client.get("/orders")
    call = callback(client)
    if page.status_code == 200 and call.status_code == 200:
        return True
    assert page.status_code == 302 and page.location.startswith("/login"), page.status_code
    assert call.status_code == 401, call.status_code
    return False


def test_a_cookie_saved_before_logout_opens_no_page_or_callback_after_it(server):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    saved = _cookie(client)
    assert _opens_pages(_replay(server, saved))
    assert sign_out(client).location == "/login?signed_out=1"
    assert not _opens_pages(client)
    assert not _opens_pages(_replay(server, saved))


def test_an_idle_session_ends_after_the_idle_timeout_and_use_keeps_it_open(make_app):
    server = make_app(TOWER_SESSION_IDLE_MINUTES="30", TOWER_SESSION_MAX_HOURS="12")
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    for _ in range(4):  # two hours of use, never 30 minutes idle
        clock.advance(timedelta(minutes=29))
        assert _opens_pages(client)
    clock.advance(timedelta(minutes=31))
    assert not _opens_pages(client)


def test_a_busy_session_ends_at_its_absolute_lifetime(make_app):
    server = make_app(TOWER_SESSION_IDLE_MINUTES="60", TOWER_SESSION_MAX_HOURS="2")
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    for _ in range(11):  # used every 10 minutes for 1 h 50 min
        clock.advance(timedelta(minutes=10))
        assert _opens_pages(client)
    clock.advance(timedelta(minutes=11))
    assert not _opens_pages(client)
    assert signed_in(sign_in(client, "cs1"))  # signing in again starts a fresh session


def test_last_seen_is_written_at_most_about_once_a_minute(server, engine):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))

    def last_seen():
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT last_seen_at FROM sessions")).scalar_one()
    started = last_seen()
    for _ in range(5):
        clock.advance(timedelta(seconds=10))
        assert _opens_pages(client)
    assert last_seen() == started  # 50 s of requests: no write
    clock.advance(timedelta(seconds=15))
    assert _opens_pages(client)
    assert last_seen() == clock.now()


def test_the_session_id_is_kept_in_the_database_only_as_a_hash(server, engine):
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    data = server.session_interface.get_signing_serializer(server).loads(_cookie(client))
    session_id = data["_user_id"]
    with engine.connect() as conn:
        row = conn.execute(sa.text("SELECT id_hash, username FROM sessions")).one()
        dump = conn.execute(sa.text("SELECT string_agg(s::text, ' ') FROM sessions s")).scalar_one()
    assert row.username == "cs1" and len(session_id) >= 32
    assert row.id_hash == hashlib.sha256(session_id.encode()).hexdigest()
    assert session_id not in dump


def test_disabling_a_user_ends_their_open_sessions(server, db_url, monkeypatch):
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    client, other = server.test_client(), server.test_client()
    assert signed_in(sign_in(client, "cs1")) and signed_in(sign_in(other, "finance1"))
    assert cli.main(["users", "disable", "cs1"]) == 0
    assert not _opens_pages(client)
    assert not signed_in(sign_in(client, "cs1"))
    assert _opens_pages(other)  # someone else's session is untouched
    assert cli.main(["users", "enable", "cs1"]) == 0
    assert signed_in(sign_in(client, "cs1"))


def test_changing_the_password_ends_the_users_open_sessions(server, db_url, monkeypatch):
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    assert cli.main(["users", "passwd", "cs1", "--password", "a brand new passphrase"]) == 0
    assert not _opens_pages(client)
    assert not signed_in(sign_in(client, "cs1", PASSWORD))
    assert signed_in(sign_in(client, "cs1", "a brand new passphrase"))


def test_resetting_a_user_with_replace_ends_their_open_sessions(server, db_url, monkeypatch):
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    client = server.test_client()
    assert signed_in(sign_in(client, "cs1"))
    assert cli.main(["users", "add", "cs1", "--role", "cs", "--replace",
                     "--password", "another long passphrase"]) == 0
    assert not _opens_pages(client)


def test_the_session_cookie_is_http_only_and_same_site_lax_and_secure_only_when_asked(make_app):
    for env, secure in (({}, False), ({"TOWER_COOKIE_SECURE": "true"}, True)):
        client = make_app(**env).test_client()
        response = sign_in(client, "cs1", base_url="https://localhost" if secure else "http://localhost")
        cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
        assert ("Secure" in cookie) is secure
