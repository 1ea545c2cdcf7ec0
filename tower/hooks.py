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
    200  {"status": "accepted"} (stored) or {"status": "duplicate"} (this event id was already
         received: a retry or a replay, stored once)

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

import sqlalchemy as sa
from flask import Blueprint, Flask, current_app, jsonify, request

from collectors.carrier_webhooks import signature
from collectors.carrier_webhooks.mapping import event_id
from collectors.edi.parse import decode
from collectors.stream import SkipRecord
from tower import clock, intake_config
from tower.config import Settings
from tower.data import access
from tower.db import DatabaseUnavailable
from tower.store import dead_letters, webhook_inbox
from tower.store.dead_letters import DeadLetter

log = logging.getLogger(__name__)
MAX_BODY = 1 << 20
MAX_FILE = 10 << 20
PREFIX = "/hooks/"

blueprint = Blueprint("tower_hooks", __name__)


def register(server: Flask, settings: Settings) -> None:
    """Attach the webhook routes; the intake settings (secrets) are read once, here."""
    server.config["TOWER_INTAKE"] = intake_config.load(data_dir=settings.data_dir)
    server.register_blueprint(blueprint)


def _answer(code: int, **body: str):
    response = jsonify(body)
    response.status_code = code
    return response


@blueprint.post("/hooks/carrier/<provider>")
def carrier(provider: str):
    intake: intake_config.IntakeSettings = current_app.config["TOWER_INTAKE"]
    secret = intake.webhook_secrets.get(provider)
    if secret is None:
        return _answer(404, error="unknown provider")
    if (request.content_length or 0) > MAX_BODY:
        return _answer(413, error="body too large")
    body = request.get_data(cache=False)
    if len(body) > MAX_BODY:
        return _answer(413, error="body too large")
    now = clock.now()
    why = signature.refusal(provider, secret, request.headers, body, now, intake.webhook_tolerance)
    if why is not None:
        log.warning("webhook %s refused from %s: %s", provider, request.remote_addr, why)
        return _answer(401, error="signature refused")
    text = body.decode("utf-8", errors="replace")
    try:
        event = json.loads(text)
        key = event_id(provider, event)
    except (ValueError, SkipRecord) as exc:
        reason = f"body is not valid JSON: {exc}" if isinstance(exc, ValueError) else exc.reason
        digest = hashlib.sha256(body).hexdigest()
        with access.writing() as conn:
            dead_letters.record(conn=conn, letters=[DeadLetter("webhooks", provider, f"sha256:{digest}",
                                                               {"provider": provider, "raw": text}, reason)], now=now)
        log.info("webhook %s: dead letter (%s)", provider, reason)
        return _answer(400, error="malformed event", reason=reason)
    try:
        with access.writing() as conn:
            new = webhook_inbox.insert(conn=conn, provider=provider, event_id=key, body=text, now=now)
    except (sa.exc.OperationalError, sa.exc.InterfaceError, DatabaseUnavailable) as exc:
        # The sender keeps the event and retries: say so instead of failing with a 500.
        log.warning("webhook %s: database unavailable, asked the sender to retry: %s", provider, exc)
        response = _answer(503, error="temporarily unavailable, retry later")
        response.headers["Retry-After"] = "30"
        return response
    return _answer(200, status="accepted" if new else "duplicate", event_id=key)


@blueprint.post("/hooks/edi/<partner>")
def edi_upload(partner: str):
    intake: intake_config.IntakeSettings = current_app.config["TOWER_INTAKE"]
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
