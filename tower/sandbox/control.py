"""The control service (admin token): faults, time, ledger and ground truth over HTTP, so a
sandbox running in another process (`tower sandbox serve`, `tower run`) can be driven and
checked by `tower sandbox faults` and by tests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import parse_qsl

from tower.sandbox import faults as F
from tower.sandbox.ledger import ledger_rows, truth_rows
from tower.sandbox.world import parse_iso_ms

if TYPE_CHECKING:
    from tower.sandbox.server import Sandbox

MAX_ROWS = 5000


class ControlApp:
    def __init__(self, sandbox: "Sandbox"):
        self.sandbox = sandbox

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        try:
            status, payload = self.handle(environ)
        except ValueError as exc:
            status, payload = 400, {"error": str(exc)}
        body = json.dumps(payload).encode()
        start_response(f"{status} {'OK' if status == 200 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    def handle(self, environ: dict[str, Any]) -> tuple[int, Any]:
        sb = self.sandbox
        if environ.get("HTTP_AUTHORIZATION", "") != f"Bearer {sb.admin_token}":
            return 401, {"error": "unauthorized"}
        path = environ.get("PATH_INFO", "")
        method = environ.get("REQUEST_METHOD", "GET")
        query = dict(parse_qsl(environ.get("QUERY_STRING", "")))
        if path == "/admin/state":
            return 200, {"now": sb.now().isoformat(), "seed": sb.seed, "days": sb.days,
                         "urls": sb.urls, "faults": {s: sb.faults[s].active() for s in F.SYSTEMS},
                         "stats": sb.stats()}
        if path == "/admin/faults":
            if method == "POST":
                for system, change in _body(environ).items():
                    if change is None:
                        change = {"clear": True}
                    if not isinstance(change, dict):
                        raise ValueError(f"faults for {system} must be an object or null")
                    sb.set_faults(system, **change)
            return 200, {s: sb.faults[s].active() for s in F.SYSTEMS}
        if path == "/admin/advance" and method == "POST":
            body = _body(environ)
            to = body.get("to")
            if to is not None:
                from tower.sandbox.world import from_ms
                published = sb.advance(to=from_ms(parse_iso_ms(to)))
            else:
                published = sb.advance(float(body.get("minutes") or 0))
            return 200, {"now": sb.now().isoformat(), "published": published}
        if path.startswith("/admin/ledger/"):
            system = path.rsplit("/", 1)[-1]
            if system not in F.SYSTEMS:
                return 404, {"error": f"no system {system!r}"}
            limit = min(MAX_ROWS, int(query.get("limit", MAX_ROWS)))
            rows = list(ledger_rows(sb.storage, system, query.get("resource") or None,
                                    int(query.get("after", 0)), limit))
            return 200, {"data": rows, "next": rows[-1]["seq"] if len(rows) == limit else None}
        if path == "/admin/truth":
            limit = min(MAX_ROWS, int(query.get("limit", 1000)))
            rows = list(truth_rows(sb.storage, sb.truth_as_of_ms(), query.get("order_no") or None,
                                   query.get("after", ""), limit))
            return 200, {"data": rows, "next": rows[-1]["order_no"] if len(rows) == limit else None}
        return 404, {"error": f"no endpoint {path}"}


def _body(environ: dict[str, Any]) -> dict[str, Any]:
    length = int(environ.get("CONTENT_LENGTH") or 0)
    raw = environ["wsgi.input"].read(length) if length else b"{}"
    try:
        body = json.loads(raw or b"{}")
    except ValueError:
        raise ValueError("body must be JSON") from None
    if not isinstance(body, dict):
        raise ValueError("body must be a JSON object")
    return body
