"""The HTTP face of one simulated system (WSGI, served by werkzeug's threaded server).

Order of checks on every request, like a real gateway: slowness, outage (503), auth (401),
rate limit (429 + Retry-After), then the endpoint. List endpoints page by (updated_at, key);
see API.md for the contract.
"""

from __future__ import annotations

import base64
import json
import math
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable

import orjson

from tower.sandbox import faults as F
from tower.sandbox.world import iso, parse_iso_ms, stable_fraction

if TYPE_CHECKING:
    from tower.sandbox.server import Sandbox

DEFAULT_LIMIT = 100
MAX_LIMIT = 500


class Bucket:
    """A token bucket on the real (monotonic) clock: rate limits are about real load."""

    def __init__(self, rate: float, burst: float):
        self.rate, self.burst = rate, burst
        self.tokens = burst
        self.at = time.monotonic()
        self.lock = threading.Lock()

    def take(self, rate: float | None = None) -> float:
        """0 when a request may pass, else the seconds until one may."""
        rate = rate or self.rate
        burst = 1.0 if rate < self.rate else self.burst
        with self.lock:
            now = time.monotonic()
            self.tokens = min(burst, self.tokens + (now - self.at) * rate)
            self.at = now
            if self.tokens >= 1:
                self.tokens -= 1
                return 0.0
            return (1 - self.tokens) / rate


def encode_cursor(since: int, updated: int, key: str) -> str:
    raw = json.dumps([since, updated, key], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str) -> tuple[int, int, str]:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        since, updated, key = json.loads(raw)
        if not (isinstance(since, int) and isinstance(updated, int) and isinstance(key, str)):
            raise ValueError
        return since, updated, key
    except (ValueError, TypeError):
        raise ValueError("cursor is not one this API issued") from None


Response = tuple[int, dict[str, str], bytes]


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(payload).encode()


class SystemApp:
    """WSGI app for one system of the sandbox."""

    def __init__(self, sandbox: "Sandbox", system: str):
        self.sandbox = sandbox
        self.system = system
        self.bucket = Bucket(sandbox.rate_limit, sandbox.rate_limit)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        status, headers, body = self.handle(environ)
        reason = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 404: "Not Found",
                  405: "Method Not Allowed", 429: "Too Many Requests",
                  503: "Service Unavailable"}.get(status, "Error")
        headers["Content-Length"] = str(len(body))
        start_response(f"{status} {reason}", list(headers.items()))
        return [body]

    def handle(self, environ: dict[str, Any]) -> Response:
        sb = self.sandbox
        faults = sb.faults[self.system]
        sb.count(self.system, "requests")
        if faults.slow_ms:
            time.sleep(faults.slow_ms * (0.8 + 0.4 * (time.monotonic() % 1)) / 1000)
        if faults.outage:
            sb.count(self.system, "unavailable")
            return _json(503, {"error": "unavailable"}, {"Retry-After": "2"})
        path = environ.get("PATH_INFO", "")
        if path == "/health":
            return _json(200, {"system": self.system, "status": "ok"})
        if environ.get("HTTP_AUTHORIZATION", "") != f"Bearer {sb.tokens[self.system]}":
            sb.count(self.system, "unauthorized")
            return _json(401, {"error": "unauthorized"}, {"WWW-Authenticate": "Bearer"})
        wait = self.bucket.take(faults.rate_limit)
        if wait:
            sb.count(self.system, "rate_limited")
            return _json(429, {"error": "rate_limited"}, {"Retry-After": str(max(1, math.ceil(wait)))})
        resource = path[len("/v1/"):] if path.startswith("/v1/") else ""
        if resource not in F.RESOURCES[self.system]:
            return _json(404, {"error": f"no endpoint {path}",
                               "endpoints": [f"/v1/{r}" for r in F.RESOURCES[self.system]]})
        if environ.get("REQUEST_METHOD") != "GET":
            return _json(405, {"error": "only GET"})
        try:
            return self.list(resource, _query(environ.get("QUERY_STRING", "")), faults)
        except ValueError as exc:
            return _json(400, {"error": str(exc)})

    def list(self, resource: str, query: dict[str, str], faults: F.Faults) -> Response:
        sb = self.sandbox
        raw_limit = query.get("limit", str(DEFAULT_LIMIT))
        if not raw_limit.isdigit() or int(raw_limit) < 1:
            raise ValueError("limit must be a positive integer")
        limit = min(MAX_LIMIT, int(raw_limit))
        after: tuple[int, str] | None = None
        if query.get("cursor"):
            since, after_ms, after_key = decode_cursor(query["cursor"])
            after = (after_ms, after_key)
        elif query.get("updated_since"):
            try:
                since = parse_iso_ms(query["updated_since"])
            except ValueError:
                raise ValueError("updated_since must be ISO-8601 with an offset, e.g. "
                                 "2026-11-27T04:00:00Z") from None
        else:
            since = 0
        rows = sb.storage.page(self.system, resource, since, after, limit + 1)
        has_more = len(rows) > limit
        rows = rows[:limit]
        texts: list[bytes] = []
        for key, updated, stored, defect in rows:
            body: bytes = stored.encode() if isinstance(stored, str) else stored
            if defect or faults.drift:
                record = orjson.loads(body)
                if defect:
                    record = F.apply_defect(record, resource, defect, key)
                    sb.count(self.system, "malformed_served")
                if faults.drift:
                    record = F.apply_drift(record, self.system)
                    sb.count(self.system, "drifted_served")
                body = orjson.dumps(record)
            texts.append(body)
            if faults.duplicates and (stable_fraction(key, updated, since, "dup-in-page")
                                      < faults.duplicates / 2):
                texts.append(body)
                sb.count(self.system, "duplicates_served")
        next_cursor = None
        if rows:
            # Seeded by where the page started too, so a rewound page cannot repeat itself.
            back = F.duplicate_rewind(faults, len(rows), f"{since}|{after}|{rows[-1][0]}")
            if back:
                sb.count(self.system, "rewinds")
            last = rows[-1 - back]
            next_cursor = encode_cursor(since, last[1], last[0])
        sb.count(self.system, "served", len(texts))
        tail = (f'],"next_cursor":{json.dumps(next_cursor)},"has_more":{"true" if has_more else "false"},'
                f'"as_of":"{iso(sb.clock.now_ms())}"}}')
        payload = b'{"data":[' + b",".join(texts) + tail.encode()
        headers = {"X-Schema-Version": "2"} if faults.drift else {}
        return 200, {"Content-Type": "application/json", **headers}, payload


def _query(text: str) -> dict[str, str]:
    from urllib.parse import parse_qsl

    return dict(parse_qsl(text, keep_blank_values=True))
