"""Send one message: e-mail over SMTP, or a signed JSON POST to a webhook endpoint.

Either returns on success or raises `DeliveryFailed` with the reason in words (the outbox keeps
it, and a dead letter shows it). Webhooks are signed as tower's own inbound webhooks are
(tower/intake/signatures.py, the generic scheme): `X-Tower-Timestamp` (Unix seconds) and
`X-Tower-Signature: v1=<hex HMAC-SHA256 of "<timestamp>.<body>">` with the endpoint's secret,
plus `X-Tower-Delivery-Id` (the same on every retry) for receivers that dedupe.
"""

from __future__ import annotations

import json
import smtplib
import socket
import time
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import httpx

from tower.config import NotifySettings
from tower.intake import signatures

DELIVERY_HEADER = "X-Tower-Delivery-Id"
TYPE_HEADER = "X-Tower-Event-Type"


class DeliveryFailed(RuntimeError):
    """This attempt did not deliver; the message says why (retried, then a dead letter)."""


def send_email(settings: NotifySettings, *, to: str, subject: str, body: str, delivery_uuid: str,
               now: datetime) -> None:
    if not settings.smtp_host:
        raise DeliveryFailed("e-mail is not configured (TOWER_SMTP_HOST is not set)")
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = settings.smtp_from, to, subject
    msg["Date"] = format_datetime(now)
    # The same Message-ID on every retry: a mail system that saw it already can drop the copy.
    msg["Message-ID"] = f"<{delivery_uuid}@tower>"
    msg["X-Tower-Delivery-Id"] = delivery_uuid
    msg.set_content(body)
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=settings.timeout_seconds) as smtp:
            if settings.smtp_starttls:
                smtp.starttls()
            if settings.smtp_user:
                smtp.login(settings.smtp_user, settings.smtp_password or "")
            refused = smtp.send_message(msg)
    except smtplib.SMTPResponseException as exc:
        raise DeliveryFailed(f"the mail server {settings.smtp_host}:{settings.smtp_port} answered "
                             f"{exc.smtp_code} {_text(exc.smtp_error)}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise DeliveryFailed(f"the mail server refused {', '.join(exc.recipients)}") from None
    except (OSError, smtplib.SMTPException) as exc:
        raise DeliveryFailed(f"cannot reach the mail server {settings.smtp_host}:{settings.smtp_port}: "
                             f"{_reason(exc)}") from None
    if refused:
        raise DeliveryFailed(f"the mail server refused {', '.join(refused)}")


def sign(secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The signature headers for `body` (what a receiver checks)."""
    return signatures.sign("generic", secret, body, timestamp)


def post_webhook(settings: NotifySettings, *, endpoint: str, payload: dict[str, Any], delivery_uuid: str,
                 now: datetime) -> None:
    url, secret = settings.webhooks.get(endpoint), settings.webhook_secrets.get(endpoint)
    if not url or not secret:
        raise DeliveryFailed(f"webhook endpoint {endpoint!r} has no URL and secret "
                             "(TOWER_NOTIFY_WEBHOOKS, TOWER_NOTIFY_WEBHOOK_SECRETS)")
    body = json.dumps(payload, separators=(",", ":"), default=str).encode()
    headers = {"Content-Type": "application/json", "User-Agent": "tower-notify",
               DELIVERY_HEADER: delivery_uuid, TYPE_HEADER: str(payload.get("type")),
               # Wall-clock seconds, not tower's business clock (which a demo may run offset or
               # fast): the timestamp is about the request's freshness on the wire.
               **sign(secret, body, int(time.time()))}
    try:
        resp = httpx.post(url, content=body, headers=headers, timeout=settings.timeout_seconds)
    except httpx.HTTPError as exc:
        raise DeliveryFailed(f"cannot reach webhook {endpoint!r}: {_reason(exc)}") from None
    if not 200 <= resp.status_code < 300:
        raise DeliveryFailed(f"webhook {endpoint!r} answered HTTP {resp.status_code}: {resp.text[:200]!r}")


def _text(raw: Any) -> str:
    return raw.decode(errors="replace") if isinstance(raw, bytes) else str(raw)


def _reason(exc: BaseException) -> str:
    if isinstance(exc, (socket.timeout, TimeoutError, httpx.TimeoutException)):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError) or "refused" in str(exc).lower():
        return "connection refused"
    return f"{type(exc).__name__}: {exc}"[:300]
