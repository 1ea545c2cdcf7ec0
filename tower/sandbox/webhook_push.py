"""The sandbox's carrier can push its tracking events as signed webhooks (the generic format of
collectors/carrier_webhooks) instead of, or as well as, being polled: a pushed event and the same
event polled are one fact in the store.

    push(events, base_url, provider, secret)   POST each to <base_url>/hooks/carrier/<provider>
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterable

import httpx

from tower.intake import signatures as signature


def signed(event: dict[str, Any], provider: str, secret: str, at: int | None = None) -> tuple[bytes, dict[str, str]]:
    """The body and headers of one pushed event."""
    body = json.dumps(event, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", **signature.sign(provider, secret, body, at or int(time.time()))}
    return body, headers


def push(events: Iterable[dict[str, Any]], base_url: str, provider: str, secret: str, *,
         post: Callable[..., Any] | None = None) -> dict[int, int]:
    """POST every event; returns {HTTP status: how many}. `post(url, content=, headers=)` may be
    given (a test client); by default an httpx client with retries on connection errors."""
    counts: dict[int, int] = {}
    client = None
    if post is None:
        client = httpx.Client(timeout=10, transport=httpx.HTTPTransport(retries=3))
        post = client.post
    try:
        for event in events:
            body, headers = signed(event, provider, secret)
            answer = post(f"{base_url}/hooks/carrier/{provider}", content=body, headers=headers)
            counts[answer.status_code] = counts.get(answer.status_code, 0) + 1
    finally:
        if client is not None:
            client.close()
    return counts
