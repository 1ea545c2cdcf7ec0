"""Brute-force protection: sign-in attempts are throttled per user name and per client address,
counted in Postgres (so every web process sees the same count), with a plain message; an
unknown user and a wrong password look the same; passwords have at least 12 characters."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from werkzeug import security

from tests.auth.conftest import PASSWORD, render, sign_in, signed_in
from tower import clock
from tower.auth import users
from tower.commands import main as cli


def _from(address: str) -> dict:
    return {"environ_base": {"REMOTE_ADDR": address}}


def _message(client, response) -> str:
    """The text the sign-in page shows after the sign-in answer `response`."""
    parts = urlsplit(response.location)
    assert parts.path == "/login", response.location
    return render(client, "/login", "?" + parts.query)


def test_wrong_passwords_for_one_user_are_throttled_with_a_clear_message(make_app):
    server = make_app(TOWER_SIGNIN_MAX_PER_USER="3", TOWER_SIGNIN_WINDOW_MINUTES="15")
    client = server.test_client()
    for _ in range(3):
        assert not signed_in(sign_in(client, "cs1", "wrong password!"))
    refused = sign_in(client, "cs1", PASSWORD)  # the right password, too late
    assert not signed_in(refused)
    assert "Too many attempts; try again in 15 minutes" in _message(client, refused)
    assert signed_in(sign_in(server.test_client(), "finance1"))  # other users are not affected
    clock.advance(timedelta(minutes=14))
    assert "try again in 1 minute" in _message(client, sign_in(client, "cs1", PASSWORD))
    clock.advance(timedelta(minutes=1, seconds=1))
    assert signed_in(sign_in(client, "cs1", PASSWORD))


def test_attempts_from_one_address_are_throttled_whatever_the_user_name(make_app):
    server = make_app(TOWER_SIGNIN_MAX_PER_ADDRESS="5", TOWER_SIGNIN_MAX_PER_USER="100")
    client = server.test_client()
    for n in range(5):
        assert not signed_in(sign_in(client, f"guess{n}", "wrong password!", **_from("198.51.100.7")))
    refused = sign_in(client, "cs1", PASSWORD, **_from("198.51.100.7"))
    assert not signed_in(refused) and "Too many attempts" in _message(client, refused)
    assert signed_in(sign_in(server.test_client(), "cs1", PASSWORD, **_from("198.51.100.8")))


def test_the_limit_holds_across_web_processes(make_app):
    first, second = make_app(TOWER_SIGNIN_MAX_PER_USER="4"), make_app(TOWER_SIGNIN_MAX_PER_USER="4")
    for server in (first, second, first, second):
        assert not signed_in(sign_in(server.test_client(), "cs1", "wrong password!"))
    assert not signed_in(sign_in(second.test_client(), "cs1", PASSWORD))
    assert not signed_in(sign_in(first.test_client(), "cs1", PASSWORD))


def test_a_successful_sign_in_forgets_that_users_earlier_failures(make_app):
    server = make_app(TOWER_SIGNIN_MAX_PER_USER="3")
    client = server.test_client()
    for _ in range(2):
        sign_in(client, "cs1", "wrong password!")
    assert signed_in(sign_in(client, "cs1"))
    for _ in range(2):
        sign_in(server.test_client(), "cs1", "wrong password!")
    assert signed_in(sign_in(server.test_client(), "cs1"))


def test_an_unknown_user_and_a_wrong_password_get_the_same_answer(make_app):
    server = make_app(TOWER_SIGNIN_MAX_PER_USER="2")
    client = server.test_client()
    for _ in range(3):
        unknown, wrong = sign_in(client, "nobody.here", "wrong password!"), sign_in(client, "cs1", "wrong password!")
        assert unknown.status_code == wrong.status_code
        assert unknown.location.replace("nobody.here", "") == wrong.location.replace("cs1", "")
        assert _message(client, unknown) == _message(client, wrong)


def test_an_unknown_user_costs_one_password_hash_check_like_a_wrong_password(engine, monkeypatch):
    checks = []
    real = security.check_password_hash

    def counting(stored: str, password: str) -> bool:
        checks.append(stored.split(":", 1)[0])
        return real(stored, password)
    monkeypatch.setattr(users, "check_password_hash", counting)
    with engine.begin() as conn:
        users.add(conn=conn, username="ana", password=PASSWORD, role="cs")
        assert users.authenticate(conn=conn, username="nobody", password="wrong password!") is None
        assert users.authenticate(conn=conn, username="ana", password="wrong password!") is None
    assert len(checks) == 2 and checks[0] == checks[1]  # same method and cost for both


@pytest.mark.parametrize("password", ["short", "eleven chrs"])
def test_passwords_shorter_than_12_characters_are_refused(engine, password):
    with engine.begin() as conn, pytest.raises(users.UserInputError, match="at least 12 characters"):
        users.add(conn=conn, username="ana", password=password, role="cs")


def test_the_commands_refuse_short_passwords_with_a_plain_error(engine, db_url, monkeypatch, capsys):
    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    assert cli.main(["users", "add", "ana", "--role", "cs", "--password", "eleven chrs"]) == 1
    assert cli.main(["users", "add", "ana", "--role", "cs", "--password", "twelve chars"]) == 0
    assert cli.main(["users", "passwd", "ana", "--password", "tooshort"]) == 1
    assert capsys.readouterr().err.count("at least 12 characters") == 2


def test_a_nul_byte_in_the_sign_in_form_is_refused_in_words_before_anything_reads_it(make_app, engine):
    import sqlalchemy as sa

    server = make_app()
    client = server.test_client()
    for username, password in (("cs1\x00", PASSWORD), ("cs1", "wrong\x00password"),
                               ("x\x00" * 50_000, "p")):
        response = sign_in(client, username, password)
        # tower.web_guard refuses NUL on every route, the sign-in form included
        assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM sign_in_failures")).scalar_one() == 0


def test_a_nul_byte_in_the_browser_name_does_not_stop_a_sign_in(make_app, engine):
    import sqlalchemy as sa

    client = make_app().test_client()
    assert signed_in(sign_in(client, "cs1", headers={"User-Agent": "probe\x00"}))
    with engine.connect() as conn:
        agent = conn.execute(sa.text("SELECT user_agent FROM sessions")).scalar_one()
    assert agent == "probe"


def test_simultaneous_attempts_cannot_slip_past_the_limit(make_app, engine):
    import threading

    import sqlalchemy as sa

    server = make_app(TOWER_SIGNIN_MAX_PER_USER="3")
    clients = [server.test_client() for _ in range(8)]
    tokens = [{"username": "cs1", "password": "wrong password!", "csrf_token": _token(c)} for c in clients]
    start = threading.Barrier(len(clients))
    answers = []

    def attempt(client, data):
        start.wait()
        answers.append(client.post("/auth/login", data=data).location)
    threads = [threading.Thread(target=attempt, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with engine.connect() as conn:
        counted = conn.execute(sa.text("SELECT count(*) FROM sign_in_failures")).scalar_one()
    assert counted == 3
    assert sum("error=wait" in a for a in answers) == 5


def _token(client) -> str:
    from tests.auth.conftest import form_token

    return form_token(client)
