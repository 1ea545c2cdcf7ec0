"""RFC 9457 problem details: the one shape of every error the API answers.

    raise Problem(404, "Not found", "There is no order SO-1 you may see.")

Every error under /api (a route's own, a malformed request, an unknown path, a wrong method,
a body too large, a rate limit, an unexpected exception) leaves as `application/problem+json`
with the request id, never as an HTML page or a stack trace.
"""

from __future__ import annotations

import logging

from flask import Response, g, json
from pydantic import BaseModel, Field

log = logging.getLogger(__name__)
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://tower.invalid/problems/"  # stable identifiers, documented in the README


class FieldError(BaseModel):
    location: str = Field(description="where the value was: 'query.limit', 'body.0.kind', 'path.order_id'")
    message: str


class ProblemBody(BaseModel):
    """An error (RFC 9457)."""

    type: str = Field(description="a URI naming the kind of problem")
    title: str
    status: int
    detail: str
    instance: str | None = Field(default=None, description="the path that was asked for")
    request_id: str
    errors: list[FieldError] | None = None


_TYPES = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
          405: "method-not-allowed", 409: "conflict", 413: "too-large", 415: "unsupported-media-type",
          422: "unprocessable", 429: "rate-limited", 500: "internal", 503: "unavailable"}


class Problem(Exception):
    """An error the API answers as problem+json."""

    def __init__(self, status: int, title: str, detail: str, *, errors: list[FieldError] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.errors = errors
        self.headers = headers or {}


def response(problem: Problem, *, path: str | None = None) -> Response:
    body = ProblemBody(type=TYPE_BASE + _TYPES.get(problem.status, "error"), title=problem.title,
                       status=problem.status, detail=problem.detail, instance=path,
                       request_id=getattr(g, "request_id", "") or "", errors=problem.errors)
    out = Response(json.dumps(body.model_dump(mode="json", exclude_none=True)), status=problem.status,
                   mimetype=MEDIA_TYPE)
    for key, value in problem.headers.items():
        out.headers[key] = value
    return out
