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
import json
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


class BadPage(SourceError):
    """The source answered 200, but not with a page tower can read: not JSON (an HTML sign-in
    or proxy page), no data list, larger than the cap, or a cursor that loops. Retrying the
    request would get the same answer: the run fails, the bookmark stays, and the next
    scheduled run tries again (a person fixes the source or the stream's page size)."""


# A page larger than this is refused before it is parsed (memory stays bounded whatever a
# source sends); the sandbox's largest real page is about 1 MB.
MAX_PAGE_BYTES = 8 << 20
# Pages one fetch follows at most: a cursor that never ends stops here with a clear error.
MAX_PAGES_PER_FETCH = 20_000


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


class Page(list):
    """One page of records, plus what the source said about its own present: `as_of` (the
    source's clock when it answered, None if it does not say) and `has_more` (more records
    exist right now after this page). Used for event-time freshness (collectors.runner)."""

    def __init__(self, records: list[Any], *, as_of: datetime | None = None, has_more: bool = False) -> None:
        super().__init__(records)
        self.as_of = as_of
        self.has_more = has_more


def _as_of(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


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

    max_page_bytes: int = MAX_PAGE_BYTES
    max_pages: int = MAX_PAGES_PER_FETCH

    def _once(self, path: str, params: Mapping[str, Any] | None) -> Any:
        query = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            with self._http.stream("GET", path, params=query) as response:
                body = self._read_capped(response, path) if 200 <= response.status_code < 300 else None
                if body is None:
                    response.read()
        except httpx.TimeoutException as exc:
            raise RetriableError(f"{self.source}: GET {path} timed out ({type(exc).__name__})") from None
        except httpx.TransportError as exc:
            raise RetriableError(f"{self.source}: GET {path} failed: {type(exc).__name__}: {exc}") from None
        classify(response)
        assert body is not None  # classify() raised for every status but a 2xx, which was read
        kind = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if kind in ("text/html", "application/xhtml+xml") or body[:1] == b"<":
            snippet = body[:120].decode("utf-8", "replace").replace("\n", " ")
            raise BadPage(f"{self.source}: GET {path} answered 200 with {kind or 'markup'}, not JSON (a sign-in or "
                          f"proxy page?): {snippet!r}")
        try:
            return json.loads(body)
        except ValueError:
            # A truncated or proxy-mangled body: the same request usually succeeds next time.
            raise RetriableError(f"{self.source}: GET {path} returned a body that is not JSON") from None

    def _read_capped(self, response: httpx.Response, path: str) -> bytes:
        """The body, refused (BadPage) as soon as it passes max_page_bytes."""
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > self.max_page_bytes:
            raise BadPage(self._too_large(path, int(declared)))
        chunks, size = [], 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_page_bytes:
                raise BadPage(self._too_large(path, size))
            chunks.append(chunk)
        return b"".join(chunks)

    def _too_large(self, path: str, size: int) -> str:
        return (f"{self.source}: GET {path} sent a page larger than {self.max_page_bytes:,} bytes "
                f"({size:,} bytes read); lower the stream's page size")

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
              more_key: str = "has_more", as_of_key: str = "as_of") -> Iterator[Page]:
        """Yield the records of each page, following the source's next-page cursor while the
        source says there is more. Only one page is held at a time."""
        query = dict(params)
        seen: set[str] = set()  # a cursor seen before means the source's paging loops
        for _ in range(self.max_pages):
            body = self.get_json(path, query)
            if not isinstance(body, Mapping) or not isinstance(body.get(items_key), list):
                got = f"keys {', '.join(sorted(map(str, body)))}" if isinstance(body, Mapping) else type(body).__name__
                raise BadPage(f"{self.source}: GET {path} returned a page without a {items_key!r} list ({got})")
            if not body[items_key]:
                return
            yield Page(body[items_key], as_of=_as_of(body.get(as_of_key)),
                       has_more=body.get(more_key) is not False and bool(body.get(next_key)))
            cursor = body.get(next_key)
            if not cursor or body.get(more_key) is False:
                return
            if str(cursor) in seen:
                raise BadPage(f"{self.source}: GET {path} sent a next cursor it had sent before: its "
                              "paging loops; stopped (the pages before it are kept)")
            seen.add(str(cursor))
            query[cursor_param] = cursor
        raise BadPage(f"{self.source}: GET {path} still had more after {self.max_pages:,} pages: its "
                      "cursor does not end; stopped (the pages read are kept)")
