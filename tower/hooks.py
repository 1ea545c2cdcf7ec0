"""`POST /hooks/carrier/<provider>`: carrier webhooks, authenticated by signature, not by session.

The request is checked and stored, nothing more, so the answer is fast and a burst never holds
a web worker: mapping and ingest happen in the collector process (collectors/carrier_webhooks).

    404  no secret is configured for this provider (TOWER_WEBHOOK_SECRETS)
    413  body over 1 MiB
    401  bad or missing signature, or a signed timestamp outside the tolerance: a log line only,
         nothing is written
    400  not JSON, or no event id: a dead letter with the reason (the sender is known, the
         payload is kept for replay)
    503  the database cannot be reached: the sender should retry (Retry-After)
    202  {"status": "accepted"}: stored raw and durably (committed before the answer; under a
         burst many events share one INSERT, tower/hooks_writer.py); mapped later
    200  {"status": "duplicate"}: this event id was already received (a retry or a replay,
         stored once)

The acknowledgement does only that: check the signature, read the event id, store the raw body,
answer. bench/webhooks.py measures it at 200 events/s.

`POST /hooks/edi/<partner>`: a trading partner that pushes EDI files instead of dropping them.
Authenticated by the partner's token (`Authorization: Bearer <token>`, TOWER_EDI_UPLOAD_TOKENS;
401 and a log line otherwise), body the raw file (up to 10 MiB). The payload is kept in the same
inbox (provider "edi:<partner>", keyed by its SHA-256, so a repeated upload is stored once) and
the collector process loads it like a dropped file: 202 {"status": "queued"}.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from collections.abc import Callable
from datetime import datetime
from functools import partial, update_wrapper

import sqlalchemy as sa
from flask import Flask, Response, current_app, jsonify, request

from tower import clock
from tower.config import IntakeSettings, Settings
from tower.data import access
from tower.db import DatabaseUnavailable
from tower.hooks_writer import InboxWriter
from tower.intake import signatures
from tower.intake.events import InvalidEvent, decode, event_id
from tower.store import dead_letters, webhook_inbox
from tower.store.dead_letters import DeadLetter

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
MAX_FILE = 10 << 20
PREFIX = "/hooks/"


def register(server: Flask, settings: Settings) -> None:
    """Attach the webhook routes, bound to the intake settings (secrets, tokens) the app
    started with: nothing here reads the environment or the app's config later."""
    server.add_url_rule(f"{PREFIX}carrier/<provider>", endpoint="hooks_carrier", methods=["POST"],
                        view_func=_bound(carrier, settings.intake))
    server.add_url_rule(f"{PREFIX}edi/<partner>", endpoint="hooks_edi", methods=["POST"],
                        view_func=_bound(edi_upload, settings.intake))


def _bound(view: Callable[..., Response], intake: IntakeSettings) -> Callable[..., Response]:
    # A bound view keeps its name: Flask extensions (the API's rate limiter) read
    # `__name__` / `__module__` of every view function, which a bare partial has not.
    return update_wrapper(partial(view, intake), view)


def _answer(code: int, **body: str) -> Response:
    response = jsonify(body)
    response.status_code = code
    return response


def carrier(intake: IntakeSettings, provider: str) -> Response:
    """POST /hooks/carrier/<provider> (see the module docstring)."""
    secret = intake.webhook_secrets.get(provider)
    if secret is None:
        return _answer(404, error="unknown provider")
    if (request.content_length or 0) > MAX_BODY:
        return _answer(413, error="body too large")
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _answer(413, error="body too large")
    now = clock.now()
    why = signatures.refusal(provider, secret, dict(request.headers), body, now, intake.webhook_tolerance)
    if why is not None:
        log.warning("webhook %s refused from %s: %s", provider, request.remote_addr, why)
        return _answer(401, error="signature refused")
    text = body.decode("utf-8", errors="replace")
    reason: str | None = None
    try:
        event = json.loads(text)
        key = event_id(provider, event)
    except InvalidEvent as exc:
        reason = exc.reason
    except ValueError as exc:
        reason = f"body is not valid JSON: {exc}"
    if reason is not None:
        digest = hashlib.sha256(body).hexdigest()
        with access.writing() as conn:
            dead_letters.record(conn=conn, letters=[DeadLetter("webhooks", provider, f"sha256:{digest}",
                                                               {"provider": provider, "raw": text}, reason)], now=now)
        log.info("webhook %s: dead letter (%s)", provider, reason)
        return _answer(400, error="malformed event", reason=reason)
    try:
        new = _store_raw(provider, key, text, now)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable) as exc:
        # The sender keeps the event and retries: say so instead of failing with a 500.
        log.warning("webhook %s: database unavailable, asked the sender to retry: %s", provider, exc)
        response = _answer(503, error="temporarily unavailable, retry later")
        response.headers["Retry-After"] = "30"
        return response
    return _answer(202, status="accepted", event_id=key) if new else _answer(200, status="duplicate", event_id=key)


def _store_raw(provider: str, key: str, text: str, now: datetime) -> bool:
    """The acknowledgement's one write: the raw event into the inbox through the process's
    group commit (tower/hooks_writer.py), returning once it is committed (mapping happens in
    the collector process)."""
    writers = current_app.extensions.setdefault("tower_inbox_writers", {})
    url = access.database_url()
    writer = writers.get(url) or writers.setdefault(url, InboxWriter(url))
    return writer.store(provider=provider, event_id=key, body=text, received_at=now)


def edi_upload(intake: IntakeSettings, partner: str) -> Response:
    """POST /hooks/edi/<partner> (see the module docstring)."""
    token = intake.upload_tokens.get(partner)
    given = request.headers.get("Authorization", "")
    if token is None or not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
        log.warning("edi upload for %r refused from %s: %s", partner, request.remote_addr,
                    "no upload token for this partner" if token is None else "wrong token")
        return _answer(401, error="not authorised")
    if (request.content_length or 0) > MAX_FILE:
        return _answer(413, error="file too large")
    body = request.get_data(cache=False)
    if not body or len(body) > MAX_FILE:
        return _answer(400 if not body else 413, error="empty file" if not body else "file too large")
    digest = hashlib.sha256(body).hexdigest()
    try:
        with access.writing() as conn:
            new = webhook_inbox.insert(conn=conn, provider=f"edi:{partner}", event_id=digest,
                                       body=decode(body), now=clock.now())
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable) as exc:
        log.warning("edi upload %s: database unavailable, asked the sender to retry: %s", partner, exc)
        response = _answer(503, error="temporarily unavailable, retry later")
        response.headers["Retry-After"] = "30"
        return response
    return _answer(202, status="queued" if new else "duplicate", sha256=digest)
