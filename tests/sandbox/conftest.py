"""Fixtures for the sandbox tests: real sandboxes on loopback, stopped after each test.

Sandboxes here run on a frozen base clock (`now=` a fixed time, `live=False`) so a test moves
time only through `advance`, and the same seed always yields the same data.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import httpx
import pytest

from tower.sandbox.server import Sandbox, start_sandbox

T0 = datetime(2026, 11, 20, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_sandbox(tmp_path) -> Iterator[Callable[..., Sandbox]]:
    started: list[Sandbox] = []

    def make(**kwargs: Any) -> Sandbox:
        options = dict(seed=11, days=3, orders_per_day=120, now=T0, live=False)
        options.update(kwargs)
        sandbox = start_sandbox(tmp_path / f"sb{len(started)}", **options)
        started.append(sandbox)
        return sandbox

    yield make
    for sandbox in started:
        sandbox.stop()


# One client for all requests: creating an httpx client costs ~40 ms (its TLS context).
_client = httpx.Client(timeout=10)


def get(sb: Sandbox, system: str, resource: str, **params: Any) -> httpx.Response:
    return _client.get(f"{sb.urls[system]}/v1/{resource}", params=params,
                       headers={"Authorization": f"Bearer {sb.tokens[system]}"})


def pages(sb: Sandbox, system: str, resource: str, limit: int = 100,
          **params: Any) -> Iterator[list[dict[str, Any]]]:
    """The pages of an endpoint, following cursors until has_more is false."""
    response = get(sb, system, resource, limit=limit, **params)
    for _ in range(10_000):
        assert response.status_code == 200, response.text
        page = response.json()
        yield page["data"]
        if not page["has_more"]:
            return
        response = get(sb, system, resource, limit=limit, cursor=page["next_cursor"])
    raise AssertionError("paging did not end")


def read_all(sb: Sandbox, system: str, resource: str, limit: int = 100,
             **params: Any) -> list[dict[str, Any]]:
    return [record for page in pages(sb, system, resource, limit, **params) for record in page]
