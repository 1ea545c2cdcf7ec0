"""The shared client classifies errors at the edge, against a real HTTP server on loopback
that answers from a script (the sandbox is exercised in the other tests)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from collectors.http import Endpoint, FatalSourceError, RetryPolicy, SourceClient, SourceUnavailable, parse_retry_after

FAST = RetryPolicy(attempts=4, initial=0.01, maximum=0.05, max_retry_after=2, total=10)


class Scripted:
    """A loopback server that answers each request with the next (status, headers, body)."""

    def __init__(self, script: list[tuple[int, dict, object]]) -> None:
        self.script = list(script)
        self.seen: list[tuple[str, dict, float]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                outer.seen.append((self.path, dict(self.headers), time.monotonic()))
                status, headers, body = outer.script.pop(0) if outer.script else (500, {}, "empty")
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def scripted():
    servers: list[Scripted] = []

    def make(script):
        servers.append(Scripted(script))
        return servers[-1]
    yield make
    for s in servers:
        s.close()


def test_it_retries_429_and_honours_retry_after(scripted):
    server = scripted([(429, {"Retry-After": "1"}, "slow down"), (200, {}, {"items": [1], "next_cursor": None})])
    with SourceClient(Endpoint(server.url, "tok"), retry=FAST) as client:
        body = client.get_json("/x")
    assert body == {"items": [1], "next_cursor": None}
    assert len(server.seen) == 2
    assert server.seen[1][2] - server.seen[0][2] >= 0.95
    assert server.seen[0][1]["Authorization"] == "Bearer tok"


def test_it_retries_server_errors_then_gives_up_as_unavailable(scripted):
    server = scripted([(503, {}, "down")] * 4)
    with SourceClient(Endpoint(server.url, "tok"), retry=FAST) as client:
        with pytest.raises(SourceUnavailable, match="503"):
            client.get_json("/x")
    assert len(server.seen) == 4


def test_a_refused_token_is_fatal_at_once(scripted):
    server = scripted([(401, {}, "bad token")])
    with SourceClient(Endpoint(server.url, "wrong"), retry=FAST) as client:
        with pytest.raises(FatalSourceError, match="credentials"):
            client.get_json("/x")
    assert len(server.seen) == 1


def test_another_client_error_is_fatal_and_says_what_the_source_answered(scripted):
    server = scripted([(400, {}, "updated_since is not a time")])
    with SourceClient(Endpoint(server.url, "tok"), retry=FAST) as client:
        with pytest.raises(FatalSourceError, match="updated_since is not a time"):
            client.get_json("/x")


def test_a_connection_refused_is_retried_then_reported(scripted):
    server = scripted([])
    url = server.url
    server.close()
    with SourceClient(Endpoint(url, "tok"), retry=FAST) as client:
        with pytest.raises(SourceUnavailable, match="ConnectError"):
            client.get_json("/x")


def test_pages_follow_the_cursor_until_it_is_empty(scripted):
    server = scripted([(200, {}, {"data": [1, 2], "next_cursor": "c2", "has_more": True}),
                       (200, {}, {"data": [3], "next_cursor": "c3", "has_more": False})])
    with SourceClient(Endpoint(server.url, "tok"), retry=FAST) as client:
        pages = list(client.pages("/x", {"limit": 2}))
    assert pages == [[1, 2], [3]]
    assert "cursor=c2" in server.seen[1][0]


def test_retry_after_accepts_seconds_and_http_dates():
    assert parse_retry_after("3") == 3.0
    assert parse_retry_after(None) is None
    assert 0 <= parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0
