"""The shared HTTP client base of every source: bearer auth, JSON, paging and error classes.

Errors are classified here, at the edge, and nowhere above (STYLE habit 4):

* retriable — timeouts, connection errors, 429 and 5xx: retried with exponential backoff and
  jitter (tenacity), honouring `Retry-After` when the source sends one; when the attempts run
  out the call raises `SourceUnavailable` and the run fails (the bookmark stays put, the next
  scheduled run catches up).
* fatal — 401/403 and every other 4xx: retrying cannot help; `FatalSourceError` says why and
  the stream stops until a person fixes the token or the request.
* bad records are not HTTP errors: a 200 page with a malformed record is the stream's business
  (it goes to dead letters), never a reason to fail the page.
"""

from __future__ import annotations

import email.utils
import logging
import random
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Iterator, Mapping

import httpx
import tenacity

log = logging.getLogger(__name__)


class SourceError(RuntimeError):
    """Base of the errors a source client raises."""


class RetriableError(SourceError):
    """A transient failure; `retry_after` is the source's requested wait in seconds, if any."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class SourceUnavailable(SourceError):
    """Retriable failures did not clear within the attempts allowed."""


class FatalSourceError(SourceError):
    """Auth refused or a request the source will never accept; the stream stops and says why."""


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 5              # tries per request, first one included
    initial: float = 0.2           # first backoff, seconds
    maximum: float = 10.0          # longest single wait, seconds
    max_retry_after: float = 30.0  # never sleep longer than this for a Retry-After
    total: float = 60.0            # give up after this long in one request


@dataclass(frozen=True)
class Endpoint:
    """Where a source lives and how to authenticate: base URL and bearer token."""

    base_url: str
    token: str
    timeout: float = 10.0


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


def classify(response: httpx.Response) -> None:
    """Raise the right error for a non-2xx response; return for 2xx."""
    status = response.status_code
    if 200 <= status < 300:
        return
    snippet = response.text[:200].strip().replace("\n", " ")
    where = f"{response.request.method} {response.request.url.copy_with(query=None)}"
    if status == 429 or status >= 500:
        raise RetriableError(f"{where} answered {status}: {snippet}",
                             parse_retry_after(response.headers.get("Retry-After")))
    if status in (401, 403):
        raise FatalSourceError(f"{where} refused the credentials ({status}): check the source's token")
    raise FatalSourceError(f"{where} answered {status}: {snippet}")


class _Wait(tenacity.wait.wait_base):
    """Retry-After if the source gave one (capped), else exponential backoff with full jitter."""

    def __init__(self, policy: RetryPolicy) -> None:
        self.policy = policy

    def __call__(self, retry_state: tenacity.RetryCallState) -> float:
        exc = retry_state.outcome.exception() if retry_state.outcome else None
        if isinstance(exc, RetriableError) and exc.retry_after is not None:
            # A little jitter on top so a fleet of streams does not return in lockstep.
            return min(exc.retry_after, self.policy.max_retry_after) + random.uniform(0, 0.1)
        ceiling = min(self.policy.maximum, self.policy.initial * 2 ** (retry_state.attempt_number - 1))
        return random.uniform(self.policy.initial / 2, ceiling)


class SourceClient:
    """One source system's HTTP client. Knows no database. Thread-safe for concurrent streams
    (httpx.Client is); each client keeps one connection pool."""

    source: str = "source"

    def __init__(self, endpoint: Endpoint, *, retry: RetryPolicy | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.endpoint = endpoint
        self.retry = retry or RetryPolicy()
        self._http = httpx.Client(
            base_url=endpoint.base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {endpoint.token}", "Accept": "application/json"},
            timeout=httpx.Timeout(endpoint.timeout, connect=min(3.0, endpoint.timeout)),
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "SourceClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _once(self, path: str, params: Mapping[str, Any] | None) -> Any:
        try:
            response = self._http.get(path, params={k: v for k, v in (params or {}).items() if v is not None})
        except httpx.TimeoutException as exc:
            raise RetriableError(f"{self.source}: GET {path} timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise RetriableError(f"{self.source}: GET {path} failed: {type(exc).__name__}: {exc}") from None
        classify(response)
        try:
            return response.json()
        except ValueError:
            # A truncated or proxy-mangled body: the same request usually succeeds next time.
            raise RetriableError(f"{self.source}: GET {path} returned a body that is not JSON") from None

    def get_json(self, path: str, params: Mapping[str, Any] | None = None) -> Any:
        """GET a JSON document, retrying retriable failures per the policy."""
        policy = self.retry
        retrying = tenacity.Retrying(
            retry=tenacity.retry_if_exception_type(RetriableError),
            stop=tenacity.stop_after_attempt(policy.attempts) | tenacity.stop_after_delay(policy.total),
            wait=_Wait(policy),
            before_sleep=lambda rs: log.info("%s: retrying %s after %s (attempt %d)", self.source, path,
                                             rs.outcome.exception() if rs.outcome else None, rs.attempt_number),
            reraise=False,
        )
        try:
            return retrying(self._once, path, params)
        except tenacity.RetryError as exc:
            last = exc.last_attempt.exception()
            raise SourceUnavailable(f"{last} (gave up after {exc.last_attempt.attempt_number} attempts)") from None

    def pages(self, path: str, params: Mapping[str, Any], *, items_key: str = "data",
              cursor_param: str = "cursor", next_key: str = "next_cursor",
              more_key: str = "has_more") -> Iterator[list[Any]]:
        """Yield the records of each page, following the source's next-page cursor while the
        source says there is more. Only one page is held at a time."""
        query = dict(params)
        while True:
            body = self.get_json(path, query)
            if not isinstance(body, Mapping) or not isinstance(body.get(items_key), list):
                raise SourceUnavailable(f"{self.source}: GET {path} returned a page without a {items_key!r} list")
            if not body[items_key]:
                return
            yield body[items_key]
            cursor = body.get(next_key)
            if not cursor or body.get(more_key) is False:
                return
            query[cursor_param] = cursor
