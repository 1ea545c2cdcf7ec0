"""Mount the API on the Dash app's Flask server: the routes, the document and docs page, the
rate limiter, the request id, and problem+json for every error under /api."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, json, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.routing import Map, Rule

from tower.api import changes, exceptions, milestones, orders, reference  # noqa: F401  (importing registers routes)
from tower.api import risk as risk_api  # noqa: F401  (the risk review figures)
from tower.api import spec as openapi
from tower.api.framework import api, limiter, request_id
from tower.api.problems import Problem, response
from tower.data.access import ReadTooSlow

log = logging.getLogger(__name__)
_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


@api.operation("GET", "/v1/openapi.json", summary="This document", tag="meta", scope=None,
               response=None, raw=True)
def openapi_document() -> Response:
    """The OpenAPI 3.1 document of this API (no token needed)."""
    return Response(json.dumps(openapi.document(api)), mimetype="application/json")


@api.operation("GET", "/v1/docs", summary="Browsable documentation", tag="meta", scope=None,
               response=None, raw=True, media="text/html")
def docs() -> Response:
    """The document as a readable page (no token needed)."""
    return Response(openapi.docs_page(openapi.document(api)), mimetype="text/html")


def _known_paths() -> Map:
    return Map([Rule("/api" + op.rule, methods=[op.method], endpoint=op.handler.__name__) for op in api.operations])


def _unknown(rest: str = "") -> Response:
    """Anything under /api no operation answers: 405 when the path exists with other methods."""
    adapter = _known_paths().bind("localhost")
    allowed = sorted(set(adapter.allowed_methods(request.path)) - {"OPTIONS"})
    if allowed:
        raise Problem(405, "Method not allowed", f"{request.path} answers {', '.join(allowed)}.",
                      headers={"Allow": ", ".join(allowed)})
    raise Problem(404, "Not found", "There is no such API path; the document is at /api/v1/openapi.json.")


def _start() -> None:
    g.request_id = request_id()


def _stamp(out: Response) -> Response:
    if "X-Request-Id" not in out.headers:  # tower/web_guard.py's refusals carry their own
        out.headers["X-Request-Id"] = getattr(g, "request_id", None) or request_id()
    out.headers.setdefault("Cache-Control", "no-store")
    return out


def _problem(exc: Problem) -> Response:
    return response(exc, path=request.path)


def _rate_limited(exc: RateLimitExceeded) -> Response:
    seconds = 60
    current = getattr(limiter, "current_limit", None)
    if current is not None:
        import time

        seconds = max(1, int(current.reset_at - time.time()) + 1)
    return response(Problem(429, "Too many requests", f"This token's limit is {exc.description}; try again in "
                            f"{seconds} s.", headers={"Retry-After": str(seconds)}), path=request.path)


def _http(exc: HTTPException) -> Response:
    if isinstance(exc, RateLimitExceeded):
        return _rate_limited(exc)
    if isinstance(exc, NotFound):
        return _problem(Problem(404, "Not found", "There is no such API path."))
    if isinstance(exc, MethodNotAllowed):
        return _problem(Problem(405, "Method not allowed", "This path does not answer that method.",
                                headers={"Allow": ", ".join(exc.valid_methods or [])}))
    code = exc.code or 500
    return _problem(Problem(code, exc.name or "Error", exc.description or "The request was not accepted."))


def _unexpected(exc: Exception) -> Response:
    if isinstance(exc, HTTPException):
        return _http(exc)
    if isinstance(exc, ReadTooSlow):
        return _problem(Problem(503, "Too slow", "The read took too long and was stopped; narrow it down."))
    log.exception("API: unexpected error (request %s) on %s %s", getattr(g, "request_id", "?"),
                  request.method, request.path)
    return _problem(Problem(500, "Something went wrong", "tower could not answer; it has been logged with "
                            "this request id."))


# The blueprint is set up once, at import; each app (tests make several) registers it.
api.blueprint.add_url_rule("", "unknown_root", _unknown, methods=_METHODS)
api.blueprint.add_url_rule("/<path:rest>", "unknown", _unknown, methods=_METHODS)
api.blueprint.before_request(_start)
api.blueprint.after_request(_stamp)
api.blueprint.register_error_handler(Problem, _problem)
api.blueprint.register_error_handler(Exception, _unexpected)


def register(server: Flask) -> None:
    """Serve /api on `server` (the Dash app's Flask server)."""
    server.register_blueprint(api.blueprint)
    limiter.init_app(server)
