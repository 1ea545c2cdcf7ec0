"""Signing out: only a POST to /logout that carries this browser's CSRF token ends the session.

Why not a plain link: any page on any site can make a browser GET /logout (a link, an <img>,
a redirect), and a GET that signed people out would let another site sign them out at will.
So the shell's sign-out control is a small form that posts the token (tower.components.shell
`signout_form`). A GET /logout (a bookmark, a typed address, an old link) and a POST whose token
is missing or stale (a tab open longer than the token lives) both get a page with the same
button and a fresh token instead: one click signs out, nothing happens without it. Cross-site
POSTs are refused before they get here (tower.auth.request_checks).
"""

from __future__ import annotations

import html
import logging

import sqlalchemy as sa
from flask import current_app, redirect, request
from flask_login import current_user, logout_user
from flask_wtf.csrf import CSRFError, generate_csrf, validate_csrf
from werkzeug.wrappers import Response
from wtforms import ValidationError

from tower import clock
from tower.auth import sessions
from tower.db import DatabaseUnavailable, engine_for

log = logging.getLogger(__name__)


def _token_fits() -> bool:
    try:
        validate_csrf(request.form.get("csrf_token"))
    except (ValidationError, CSRFError):
        return False
    return True


def _confirm_page() -> Response:
    """A page with the sign-out button and a fresh token (no script: the CSP allows none here)."""
    token = html.escape(generate_csrf(), quote=True)
    body = ("<!doctype html><html lang=en><meta charset=utf-8><title>Sign out · tower</title>"
            "<body style='font-family:system-ui;max-width:40em;margin:3em auto'>"
            "<h1>Sign out of tower?</h1>"
            "<form method=post action=/logout id=signout-confirm-form>"
            f"<input type=hidden name=csrf_token value=\"{token}\">"
            "<button type=submit id=signout-confirm>Sign out</button></form>"
            "<p><a href='/'>Back to tower</a></p></body></html>")
    response = Response(body, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # the token belongs to this browser only
    return response


def logout_view() -> Response:
    """GET or POST /logout (see the module docstring for which one signs out)."""
    if not current_user.is_authenticated:
        return redirect("/login?signed_out=1" if request.method == "POST" else "/login")
    if request.method != "POST" or not _token_fits():
        return _confirm_page()
    try:
        with engine_for(current_app.config["TOWER_DB_URL"]).begin() as conn:
            sessions.revoke(conn=conn, session_id=current_user.session_id, now=clock.now())
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable):
        # The cookie is dropped below; the session itself ends at its idle timeout.
        log.warning("cannot revoke the session of %s: database unavailable", current_user.user.username)
    logout_user()
    return redirect("/login?signed_out=1")
