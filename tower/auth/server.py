"""Sign-in for the Flask server under Dash: Flask-Login sessions, the login/logout routes, and
the server-side guard that checks the role on every page load and every Dash callback.

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
from flask import Flask, jsonify, redirect, request
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from tower.auth import roles, users
from tower.db import DatabaseUnavailable, engine_for

log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
# Dash's own plumbing and static files: no business data, needed to draw the login page.
_OPEN_PREFIXES = ("/assets/", "/_dash-component-suites/", "/_dash-layout", "/_dash-dependencies",
                  "/_favicon.ico", "/_reload-hash", "/auth/", "/logout", "/login",
                  "/hooks/")  # webhooks authenticate by signature (tower/hooks.py)
# Dash Pages' router callback renders the page layout; the layout itself refuses (see app.py).
_ROUTER_IDS = frozenset({"_pages_content", "_pages_store"})


class SessionUser(UserMixin):
    def __init__(self, user: users.User) -> None:
        self.user = user

    def get_id(self) -> str:
        return self.user.username


def _load_user(username: str) -> SessionUser | None:
    from flask import current_app

    try:
        with engine_for(current_app.config["TOWER_DB_URL"]).connect() as conn:
            found = users.get(conn=conn, username=username)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, sa.exc.ProgrammingError, DatabaseUnavailable):
        # Database down (or not migrated): nobody is signed in, /health still answers.
        log.warning("cannot load user %s: database unavailable", username)
        return None
    return SessionUser(found) if found else None


def safe_next(target: str | None) -> str | None:
    """Only local paths are followed after sign-in (no open redirect to another site)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    if target.startswith(("/login", "/auth/", "/logout")):
        return None
    return target


def _login_post() -> Response:
    from flask import current_app

    username = request.form.get("username", "")
    password = request.form.get("password", "")
    target = safe_next(request.form.get("next"))
    try:
        with engine_for(current_app.config["TOWER_DB_URL"]).begin() as conn:
            found = users.authenticate(conn=conn, username=username, password=password)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable):
        return redirect("/login?" + urlencode({"error": "db", **({"next": target} if target else {})}))
    if found is None:
        log.info("failed sign-in for %r", username[:64])
        return redirect("/login?" + urlencode({"error": "1", **({"next": target} if target else {})}))
    login_user(SessionUser(found))
    log.info("%s signed in (%s)", found.username, found.role)
    if target and roles.may_open(found.role, roles.prefix_of_path(target)):
        return redirect(target)
    return redirect(roles.landing(found.role))


def _logout() -> Response:
    logout_user()
    return redirect("/login?signed_out=1")


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


def _guard() -> Response | None:
    path = request.path
    if path.startswith(_OPEN_PREFIXES):
        return None
    role = current_user.user.role if current_user.is_authenticated else None
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
                log.warning("refused callback %r for %s (%s)", component_id, current_user.get_id(), role)
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

    `server.config` must hold SECRET_KEY and TOWER_DB_URL.
    """
    manager = LoginManager()
    manager.init_app(server)
    manager.user_loader(_load_user)
    manager.session_protection = "basic"
    server.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    server.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    server.add_url_rule("/auth/login", "tower_login", _login_post, methods=["POST"])
    server.add_url_rule("/logout", "tower_logout", _logout, methods=["GET", "POST"])
    server.before_request(_guard)
