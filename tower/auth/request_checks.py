"""Checks every request passes before anything else reads it: a size cap on the body, and
state-changing requests refused when a browser says they come from another site.

Why an origin check on top of SameSite=Lax cookies and the sign-in form's CSRF token: every
Dash callback is a plain JSON POST; a page on another site (or a sibling subdomain, which
SameSite treats as the same site) could make a signed-in browser send one. Browsers put the
page's origin in `Origin` on every POST (or at least a `Referer`); a request that carries
neither did not come from a browser page, and passes (command-line clients, tests). The check
compares host and port with the request's own `Host`, not the scheme, so that tower behind a
TLS-terminating proxy still recognises its own pages.

Machine-to-machine routes (`MACHINE_PREFIXES`) are exempt from the origin check and from every
CSRF-token check (`is_machine_route()`): their callers are programs, not browser pages, and they
authenticate each request themselves (bearer tokens under /api/, HMAC signatures or partner
tokens under /hooks/), never with the session cookie, so a forged cross-site request gains
nothing there. A route under these prefixes must therefore never accept the session cookie as
proof of who calls. This list is the one place that exemption is decided.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Flask, Response, request
from werkzeug.exceptions import RequestEntityTooLarge

log = logging.getLogger(__name__)

STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Path prefixes of routes called by programs that authenticate every request themselves:
# /api/ (bearer tokens), /hooks/ (HMAC-signed webhooks, partner tokens).
MACHINE_PREFIXES = ("/api/", "/hooks/")


def is_machine_route(path: str) -> bool:
    """True for a machine-to-machine route: no origin check, no CSRF token asked for."""
    return path.startswith(MACHINE_PREFIXES)


def _plain(status: int, message: str) -> Response:
    return Response(message + "\n", status=status, mimetype="text/plain")


def is_foreign(source: str, host: str) -> bool:
    """True if `source` (an Origin or Referer value) is not a page of `host` ("name[:port]")."""
    if source.strip().lower() == "null":
        return True
    try:
        netloc = urlsplit(source.strip()).netloc
    except ValueError:
        return True
    return netloc.lower() != host.lower()


def _origin_check() -> Response | None:
    if request.method not in STATE_CHANGING or is_machine_route(request.path):
        return None
    source = request.headers.get("Origin")
    if source is None:
        source = request.headers.get("Referer")
    if source is None or not is_foreign(source, request.host):
        return None
    log.warning("refused %s %s from another site (%.100s)", request.method, request.path, source)
    return _plain(403, "This request came from another site, so tower refused it. "
                       "Open tower itself and try again.")


def _too_large(limit: int) -> Response:
    return _plain(413, f"The request is too large: tower accepts at most {limit // (1024 * 1024)} MB.")


def init_request_checks(server: Flask, *, max_request_mb: int) -> None:
    """Cap request bodies at `max_request_mb` (413) and refuse foreign-origin state changes (403).

    Registered first, so they run before the sign-in guard and Dash read anything."""
    limit = max_request_mb * 1024 * 1024
    server.config["MAX_CONTENT_LENGTH"] = limit

    def size_check() -> Response | None:
        # A declared length is refused before reading; a chunked body is cut by werkzeug at
        # MAX_CONTENT_LENGTH and ends up in the error handler below.
        if request.content_length is not None and request.content_length > limit:
            return _too_large(limit)
        return None

    server.before_request_funcs.setdefault(None, [])[0:0] = [size_check, _origin_check]
    server.register_error_handler(RequestEntityTooLarge, lambda _exc: _too_large(limit))
