"""Sign-in for the Flask server under Dash: Flask-Login over server-side sessions
(tower/auth/sessions.py), the login route with its CSRF token and throttle
(tower/auth/throttle.py), the logout route (tower/auth/signout.py), and the server-side guard
that checks the role on every page load and every Dash callback.

Flask-Login keeps `get_id()` in the signed cookie; here that id is the random session id, so
each request finds its session (and user) in the database and a revoked or expired session
signs nobody in, whatever cookie the browser kept.

Why a guard on `/_dash-update-component`: hiding a link stops nobody, and every Dash callback
is a plain POST anyone can send. The guard reads the callback's output component ids, maps
their page prefix ("queues-grid" -> "queues") to the page's roles (tower/auth/roles.py) and
answers 403 when the signed-in role may not open that page.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import Flask, g, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user
from flask_wtf.csrf import CSRFError, validate_csrf
from sqlalchemy.engine import Connection
from werkzeug.wrappers import Response
from wtforms import ValidationError

from tower import clock
from tower.auth import roles, sessions, signout, throttle, users
from tower.db import DatabaseUnavailable, engine_for

log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
# Dash's own plumbing and static files: no business data, needed to draw the login page.
_OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_dash-layout", "/_dash-dependencies",
                  "/_favicon.ico", "/_reload-hash", "/auth/", "/logout", "/login",
                  "/hooks/",  # webhooks authenticate by signature (tower/hooks.py)
                  "/api")  # the JSON API (tower/api) authenticates every call by bearer token
# Dash Pages' router callback renders the page layout; the layout itself refuses (see app.py).
_ROUTER_IDS = frozenset({"_pages_content", "_pages_store"})


class SessionUser(UserMixin):
    def __init__(self, user: users.User, session_id: str) -> None:
        self.user = user
        self.session_id = session_id

    def get_id(self) -> str:
        return self.session_id


def _policy() -> sessions.Policy:
    from flask import current_app

    return current_app.config.get("TOWER_SESSION_POLICY") or sessions.Policy()


def _limits() -> throttle.Limits:
    from flask import current_app

    return current_app.config.get("TOWER_SIGNIN_LIMITS") or throttle.Limits()


def _load_user(session_id: str) -> SessionUser | None:
    from flask import current_app

    engine = engine_for(current_app.config["TOWER_DB_URL"])
    try:
        for attempt in (1, 2):
            try:
                with engine.begin() as conn:
                    found = sessions.load_user(conn=conn, session_id=session_id, now=clock.now(), policy=_policy())
                break
            except sa.exc.OperationalError as exc:
                # A connection the server dropped (a restart, pg_terminate_backend) fails once;
                # the pool then opens a new one. Only a second failure means the database is away.
                if attempt == 2 or not exc.connection_invalidated:
                    raise
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, DatabaseUnavailable):
        # Database down (or not migrated): the session cannot be checked, so nobody is signed
        # in for this request; the guard says the database is away (503) rather than sending a
        # signed-in person to sign in again. /health still answers.
        log.warning("cannot load a session: database unavailable")
        g.tower_database_down = True
        return None
    return SessionUser(found, session_id) if found else None


def safe_next(target: str | None) -> str | None:
    """Only local paths are followed after sign-in (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if target.startswith(("/login", "/auth/", "/logout")):
        return None
    return target


def _attempt(*, conn: Connection, username: str, password: str,
             address: str) -> tuple[int | None, users.User | None, str]:
    """One sign-in attempt in one transaction: (minutes to wait or None, the user or None,
    the new session id or "")."""
    now = clock.now()
    wait = throttle.wait_minutes(conn=conn, username=username, address=address, now=now, limits=_limits())
    if wait is not None:
        return wait, None, ""
    found = users.authenticate(conn=conn, username=username, password=password)
    if found is None:
        throttle.record_failure(conn=conn, username=username, address=address, now=now, limits=_limits())
        return None, None, ""
    throttle.forget_user(conn=conn, username=found.username)
    if current_user.is_authenticated:  # signing in again: the old session ends
        sessions.revoke(conn=conn, session_id=current_user.session_id, now=now, why="signed in again")
    session_id = sessions.create(conn=conn, username=found.username, now=now, policy=_policy(),
                                 address=address,
                                 # web_guard reads forms, not headers; Postgres text cannot hold NUL
                                 user_agent=request.headers.get("User-Agent", "").replace("\x00", ""))
    return None, found, session_id


def _login_post() -> Response:
    from flask import current_app

    # A form with a NUL character never gets here: tower.web_guard refuses it (400) on every route.
    username = request.form.get("username", "")
    password = request.form.get("password", "")
    target = safe_next(request.form.get("next"))
    back = {"next": target} if target else {}
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        # No token, a stale one, or one from another browser's form: show a fresh form.
        return redirect("/login?" + urlencode({"error": "expired", **back}))
    address = request.remote_addr or ""
    try:
        with engine_for(current_app.config["TOWER_DB_URL"]).begin() as conn:
            wait, found, session_id = _attempt(conn=conn, username=username, password=password,
                                               address=address)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable):
        return redirect("/login?" + urlencode({"error": "db", **back}))
    if wait is not None:
        log.warning("throttled sign-in for %r from %s", username[:64], address)
        return redirect("/login?" + urlencode({"error": "wait", "minutes": wait, **back}))
    if found is None:
        log.info("failed sign-in for %r", username[:64])
        return redirect("/login?" + urlencode({"error": "1", **back}))
    login_user(SessionUser(found, session_id))
    log.info("%s signed in (%s)", found.username, found.role)
    if target and roles.may_open(found.role, roles.prefix_of_path(target)):
        return redirect(target)
    return redirect(roles.landing(found.role))


def _id_prefix(component_id: Any) -> str:
    """The page prefix of an output id; pattern-matching ids use their "type" key."""
    if isinstance(component_id, dict):
        value = component_id.get("type")
        if not isinstance(value, str):
            value = next((v for v in component_id.values() if isinstance(v, str)), "")
        return roles.prefix_of_id(value)
    return roles.prefix_of_id(str(component_id))


def output_ids(body: Any) -> list[Any]:
    """The output component ids of a Dash callback request body."""
    if not isinstance(body, dict):
        return []
    outputs = body.get("outputs")
    if isinstance(outputs, dict):
        outputs = [outputs]
    if isinstance(outputs, list):
        found: list[Any] = []
        for item in outputs:
            if isinstance(item, list):  # outputs of pattern-matching ALL/ALLSMALLER
                found.extend(o.get("id") for o in item if isinstance(o, dict))
            elif isinstance(item, dict):
                found.append(item.get("id"))
        return found
    return []


def _deny(status: int, message: str) -> Response:
    response = jsonify({"error": message})
    response.status_code = status
    return response


DATABASE_AWAY = ("tower cannot reach its database right now; "
                 "this page updates again by itself when the database is back")
_AWAY_PAGE = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
              "<meta http-equiv=\"refresh\" content=\"15\"><title>tower: database unreachable</title></head>"
              "<body><main><h1>tower cannot reach its database</h1><p>Nothing is lost: the collectors "
              "catch up when it is back. This page tries again every 15 seconds.</p></main></body></html>")


def _database_away(callback: bool) -> Response:
    """The answer for a request whose session could not be checked because the database is
    unreachable: 503 with Retry-After, in words (a callback's JSON carries `database_away`, which
    assets/session_end.js shows as a banner over the figures already on screen)."""
    response: Response = (jsonify({"error": DATABASE_AWAY, "database_away": True}) if callback
                          else Response(_AWAY_PAGE, mimetype="text/html"))
    response.status_code = 503
    response.headers["Retry-After"] = "5"
    return response


def _guard() -> Response | None:
    path = request.path
    if path.startswith(_OPEN_PREFIXES):
        return None
    role = current_user.user.role if current_user.is_authenticated else None
    if role is None and g.get("tower_database_down"):
        return _database_away(path == CALLBACK_PATH or path.startswith("/_"))
    if path == CALLBACK_PATH:
        ids = output_ids(request.get_json(silent=True))
        if not ids:
            return _deny(400, "a callback request names its outputs")
        for component_id in ids:
            if isinstance(component_id, str) and component_id in _ROUTER_IDS:
                continue
            prefix = _id_prefix(component_id)
            if prefix in roles.PUBLIC_PREFIXES:
                continue
            if role is None:
                return _deny(401, "sign in first")
            if not roles.may_open(role, prefix):
                log.warning("refused callback %r for %s (%s)", component_id, current_user.user.username, role)
                return _deny(403, f"the {roles.ROLES.get(role, role)} role may not use this page")
        return None
    if path.startswith("/_dash") or path.startswith("/_"):
        return None if role else _deny(401, "sign in first")
    prefix = roles.prefix_of_path(path)
    if path == "/" and role is not None:
        return redirect(roles.landing(role))
    if prefix in roles.PUBLIC_PREFIXES:
        return None
    if role is None:
        return redirect("/login?" + urlencode({"next": request.full_path.rstrip("?")}))
    # A signed-in user on a page their role may not open gets the app, whose layout explains.
    return None


def init_auth(server: Flask) -> None:
    """Attach Flask-Login, the sign-in routes and the role guard to `server`.

    `server.config` must hold SECRET_KEY and TOWER_DB_URL; TOWER_SESSION_POLICY
    (sessions.Policy) and TOWER_SIGNIN_LIMITS (throttle.Limits) default to their defaults.
    """
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    # The signed cookie is not accepted after a session's lifetime either (Flask's default: 31 days).
    server.config["PERMANENT_SESSION_LIFETIME"] = server.config.get(
        "TOWER_SESSION_POLICY", sessions.Policy()).lifetime
    server.add_url_rule("/auth/login", "tower_login", _login_post, methods=["POST"])
    server.add_url_rule("/logout", "tower_logout", signout.logout_view, methods=["GET", "POST"])
    server.before_request(_guard)
