"""What the web app does with input it cannot use and with errors nobody expected.

`install(server)` (called once by tower.app.create_app) adds to the Flask server:

- a refusal (400, in words) of any request carrying a NUL character in its path, query, form
  (the sign-in form included) or callback body: Postgres text cannot hold one, and nothing a
  person types contains one;
- a refusal (400) of a page-router callback whose pathname or search is not text (Dash's own
  router would raise on it);
- an error handler that turns any exception still unhandled into a plain page or JSON message
  with a request id, logged with its stack trace here and never shown to the user; unknown
  Dash component packages answer 404.

Pages and callbacks still validate their own values (tower/params.py); this is the net under
them, so a forgotten check is a logged error with a plain message, never a stack trace.
"""

from __future__ import annotations

import html
import logging
import uuid

from flask import Flask, Response, jsonify, request
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

CALLBACK_PATH = "/_dash-update-component"
_ROUTER_OUTPUTS = ("_pages_content", "_pages_store")
# The signed B2B endpoints (tower/hooks.py) check size before they read a body and keep bad
# content as a dead letter, so their bodies are not read (nor refused) here.
HOOKS_PREFIX = "/hooks/"


def _json_path() -> bool:
    return request.path.startswith("/_dash") or request.path.startswith("/auth/")


def _plain(status: int, title: str, message: str, **extra: str) -> Response:
    if request.path.startswith("/_dash"):
        response = jsonify({"error": message, **extra})
    else:
        body = (f"<!doctype html><html lang=en><meta charset=utf-8><title>{html.escape(title)} · tower</title>"
                f"<body style='font-family:system-ui;max-width:40em;margin:3em auto'>"
                f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p>"
                + "".join(f"<p><small>{html.escape(k.replace('_', ' '))}: {html.escape(v)}</small></p>"
                          for k, v in extra.items())
                + "<p><a href='/'>Back to tower</a></p></body></html>")
        response = Response(body, mimetype="text/html")
    response.status_code = status
    return response


def _has_nul() -> bool:
    if "\x00" in request.path:
        return True
    if any("\x00" in k or "\x00" in v for k, vs in request.args.lists() for v in vs):
        return True
    if request.method in ("POST", "PUT", "PATCH") and not request.path.startswith(HOOKS_PREFIX):
        if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            return any("\x00" in k or "\x00" in v for k, vs in request.form.lists() for v in vs)
        data = request.get_data(cache=True)
        return b"\x00" in data or b"\\u0000" in data
    return False


def _bad_router_call() -> bool:
    """True when a call of Dash Pages' router names a pathname or search that is not text."""
    if request.path != CALLBACK_PATH:
        return False
    body = request.get_json(silent=True, cache=True)
    if not isinstance(body, dict):
        return False
    outputs = str(body.get("output", ""))
    if not any(name in outputs for name in _ROUTER_OUTPUTS):
        return False
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" \
                and item.get("property") in ("pathname", "search") and not isinstance(item.get("value"), str):
            return True
    return False


def _refuse_bad_input() -> Response | None:
    if _has_nul():
        return _plain(400, "Not accepted", "The request contains a NUL character, which tower does not "
                                           "accept in any text. Remove it and try again.")
    if _bad_router_call():
        return _plain(400, "Not accepted", "The page address must be text.")
    return None


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return exc  # type: ignore[return-value]  # 404, 405, 413...: Werkzeug's own answer
    from dash.exceptions import DependencyException

    if isinstance(exc, DependencyException):  # /_dash-component-suites/<unknown package>/...
        return _plain(404, "Not found", "There is no such file.")
    request_id = uuid.uuid4().hex[:12]
    log.exception("unexpected error (request %s) on %s %s", request_id, request.method, request.path)
    return _plain(500, "Something went wrong", "tower could not answer this request. It has been "
                  "logged; if it keeps happening, give the request id to your administrator.",
                  request_id=request_id)


def install(server: Flask) -> None:
    """Attach the input refusal and the last-resort error handler to `server`."""
    server.before_request(_refuse_bad_input)
    server.register_error_handler(Exception, _unexpected)
