"""The few pieces every route shares: the operation table, bearer authentication, scope
checks, strict query and body parsing, the rate limit, and JSON out.

A route module declares an operation once; the same declaration registers the Flask rule,
checks the request, and writes the route into the OpenAPI document (tower/api/spec.py), so
the document cannot drift from the code:

    @api.operation("GET", "/v1/orders/<order_id>", scope="orders:read", response=OrderOut,
                   summary="One order", tag="orders")
    def get_order(call: Call, order_id: str) -> OrderOut: ...

`Call` carries the authenticated caller (tower.auth.tokens.Caller), their warehouse `scope`
(built by tower.auth.current.scope_of, as for the pages), the parsed query and body, and
`now`.
"""

from __future__ import annotations

import hashlib
import logging
import re
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

import pydantic
from flask import Blueprint, Response, current_app, g, json, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from pydantic import BaseModel, ConfigDict

from tower import clock
from tower.api.problems import FieldError, Problem
from tower.auth import roles, tokens
from tower.auth.current import scope_of
from tower.data.access import writing
from tower.data.scope import Scope

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1_000_000      # a batch of milestones is far smaller; refuse before parsing
DEFAULT_RATE_LIMIT = "600 per minute"
RATE_LIMIT_KEY = "TOWER_API_RATE_LIMIT"
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class Strict(BaseModel):
    """Query and body models: unknown names are refused, text is not coerced into numbers
    silently beyond what a query string needs."""

    model_config = ConfigDict(extra="forbid", str_max_length=2000)


@dataclass
class Call:
    caller: tokens.Caller
    scope: Scope
    now: datetime
    query: Any = None
    body: Any = None

    @property
    def actor(self) -> str:
        return self.caller.user.username


@dataclass
class Operation:
    method: str
    rule: str                       # Flask rule under /api: "/v1/orders/<order_id>"
    handler: Callable[..., Any]
    summary: str
    tag: str
    scope: str | None               # None: public (the document and the docs page)
    response: type[BaseModel] | None
    status: int = 200
    query: type[BaseModel] | None = None
    body: Any = None                # a pydantic model or a type adapter's type (a list of models)
    description: str = ""
    path_params: dict[str, str] = field(default_factory=dict)   # name -> description
    raw: bool = False               # handler returns a Flask Response itself
    page: str | None = None         # the page whose audience may call it (tower/auth/roles.py)
    media: str | None = None        # a raw handler's media type (for the document)
    errors: tuple[int, ...] = ()    # statuses beyond the common ones this operation answers (410)

    @property
    def openapi_path(self) -> str:
        return "/api" + re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def rate_key() -> str:
    """Each token its own bucket (a hash of the presented secret, so a wrong secret never
    spends a real token's allowance); requests without one share their address's bucket."""
    secret = _bearer()
    if secret:
        return "token:" + hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()[:24]
    return "addr:" + (get_remote_address() or "?")


def rate_limit() -> str:
    return str(current_app.config.get(RATE_LIMIT_KEY) or DEFAULT_RATE_LIMIT)


limiter = Limiter(key_func=rate_key, default_limits=[], headers_enabled=True, storage_uri="memory://",
                  strategy="fixed-window")


def _authenticate(now: datetime) -> tokens.Caller:
    secret = _bearer()
    if secret is None:
        raise Problem(401, "Sign-in needed", "Send an API token: 'Authorization: Bearer tower_...' "
                      "(made with `tower tokens create` or on the /tokens page).",
                      headers={"WWW-Authenticate": 'Bearer realm="tower"'})
    with writing() as conn:  # records the last-used time (throttled in SQL)
        caller = tokens.authenticate(conn=conn, secret=secret, now=now)
    if caller is None:
        raise Problem(401, "Token refused", "The token is unknown, revoked or expired, or its user is inactive.",
                      headers={"WWW-Authenticate": 'Bearer realm="tower", error="invalid_token"'})
    return caller


def _errors(exc: pydantic.ValidationError, where: str) -> list[FieldError]:
    return [FieldError(location=".".join([where, *(str(p) for p in e["loc"])]), message=e["msg"])
            for e in exc.errors(include_url=False)[:50]]


def _query(model: type[BaseModel] | None) -> BaseModel | None:
    args = request.args
    if model is None:
        if args:
            raise Problem(400, "Unknown parameter", f"This operation takes no query parameters; got "
                          f"{', '.join(sorted(args))[:200]}.")
        return None
    values: dict[str, str] = {}
    for key in args:
        found = args.getlist(key)
        if len(found) > 1:
            raise Problem(400, "Repeated parameter", f"Give {key[:60]!r} once (lists are comma-separated).")
        values[key] = found[0]
    try:
        return model.model_validate(values)
    except pydantic.ValidationError as exc:
        raise Problem(400, "Invalid query", "One or more query parameters are not accepted.",
                      errors=_errors(exc, "query")) from None


def _body(kind: Any) -> Any:
    if kind is None:
        return None
    length = request.content_length
    if length is not None and length > MAX_BODY_BYTES:
        raise Problem(413, "Body too large", f"Send at most {MAX_BODY_BYTES:,} bytes per request.")
    if request.mimetype != "application/json":
        raise Problem(415, "JSON expected", "Send the body as application/json.")
    # get_data (cached): the server's input check (tower/web_guard.py) may have read it already.
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY_BYTES:
        raise Problem(413, "Body too large", f"Send at most {MAX_BODY_BYTES:,} bytes per request.")
    try:
        return pydantic.TypeAdapter(kind).validate_json(raw or b"null")
    except pydantic.ValidationError as exc:
        raise Problem(400, "Invalid body", "The body is not accepted.", errors=_errors(exc, "body")) from None


def json_response(model: BaseModel | None, status: int = 200) -> Response:
    text = json.dumps(model.model_dump(mode="json")) if model is not None else ""
    return Response(text, status=status, mimetype="application/json" if model is not None else None)


class Api:
    """The operation table and the blueprint (mounted at /api) that serves it."""

    def __init__(self) -> None:
        self.blueprint = Blueprint("tower_api", __name__, url_prefix="/api")
        self.operations: list[Operation] = []

    def operation(self, method: str, rule: str, *, summary: str, tag: str, scope: str | None,
                  response: type[BaseModel] | None, status: int = 200, query: type[BaseModel] | None = None,
                  body: Any = None, description: str = "", path_params: dict[str, str] | None = None,
                  raw: bool = False, page: str | None = None, media: str | None = None,
                  errors: tuple[int, ...] = ()) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            op = Operation(method, rule, handler, summary, tag, scope, response, status, query, body,
                           description or (handler.__doc__ or "").strip(), path_params or {}, raw, page, media,
                           errors)
            self.operations.append(op)
            self.blueprint.add_url_rule(rule, f"{handler.__name__}", self._view(op), methods=[method])
            return handler
        return register

    def _view(self, op: Operation) -> Callable[..., Response]:
        def view(**path_args: str) -> Response:
            if op.scope is None:
                _query(op.query)
                return op.handler(**path_args)
            now = clock.now()
            caller = _authenticate(now)
            if not caller.may(op.scope):
                raise Problem(403, "Scope missing", f"This needs a token with the {op.scope!r} scope, held by "
                              f"a user whose role allows it (this token has: "
                              f"{', '.join(sorted(caller.scopes)) or 'no usable scope'}).")
            if op.page is not None and not roles.may_open(caller.user.role, op.page):
                raise Problem(403, "Role may not", f"The {caller.user.role} role may not read what the "
                              f"/{op.page} page shows.")
            call = Call(caller=caller, scope=scope_of(caller.user), now=now,
                        query=_query(op.query), body=_body(op.body))
            g.api_actor = call.actor
            result = op.handler(call, **path_args)
            return result if op.raw else json_response(result, op.status)
        view.__name__ = op.handler.__name__
        if op.scope is not None:
            view = limiter.limit(rate_limit, key_func=rate_key)(view)
        return view


api = Api()


def request_id() -> str:
    """The caller's X-Request-Id when it is a sane token, else a new one."""
    given = request.headers.get("X-Request-Id", "")
    return given if _REQUEST_ID.match(given) else uuid.uuid4().hex
