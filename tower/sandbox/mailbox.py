"""The demo's and the tests' loopback receivers: an SMTP server (aiosmtpd) and a webhook
receiver, both writing what arrives to a mailbox folder that `tower notify inbox` reads.

    folder/mail.jsonl       one JSON line per e-mail: received_at, from, to, subject,
                            message_id, delivery_id, body
    folder/webhooks.jsonl   one JSON line per POST: received_at, endpoint, verified, refusal,
                            delivery_id, event_type, timestamp, signature, raw (the body
                            as sent), body (the parsed JSON)

The webhook receiver checks each request's signature as a real receiver would (the endpoint's
secret, tower/intake/signatures.py) and answers 401 to a bad one (recorded with the reason).
`GET /` answers the mailbox as JSON, for a quick look with curl. Both listen on loopback only.
"""

from __future__ import annotations

import json
import os
import threading
from datetime import datetime, timezone
from email import message_from_bytes
from email import policy as email_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Mapping, cast

from aiosmtpd.controller import Controller

from tower.intake import signatures

MAIL_FILE, WEBHOOK_FILE = "mail.jsonl", "webhooks.jsonl"
MAX_BODY = 4 * 1024 * 1024


class Mailbox:
    """Append-only JSON-lines files in one folder (0700, files 0600)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._lock = threading.Lock()

    def _append(self, name: str, record: dict[str, Any]) -> None:
        line = json.dumps(record, default=str) + "\n"
        with self._lock:
            fd = os.open(self.folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            with open(fd, "a") as f:
                f.write(line)

    def _read(self, name: str) -> list[dict[str, Any]]:
        try:
            text = (self.folder / name).read_text()
        except FileNotFoundError:
            return []
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def add_mail(self, record: dict[str, Any]) -> None:
        self._append(MAIL_FILE, record)

    def add_webhook(self, record: dict[str, Any]) -> None:
        self._append(WEBHOOK_FILE, record)

    def mails(self) -> list[dict[str, Any]]:
        return self._read(MAIL_FILE)

    def webhooks(self) -> list[dict[str, Any]]:
        return self._read(WEBHOOK_FILE)


def _now() -> str:
    return datetime.now(timezone.utc).isoformat()


class _MailHandler:
    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd's name
        msg = message_from_bytes(envelope.content, policy=email_policy.default)
        body = msg.get_body(preferencelist=("plain",))
        self.mailbox.add_mail({
            "received_at": _now(), "from": envelope.mail_from, "to": list(envelope.rcpt_tos),
            "subject": str(msg.get("Subject", "")).strip(), "message_id": str(msg.get("Message-ID", "")),
            "delivery_id": str(msg.get("X-Tower-Delivery-Id", "")),
            "body": body.get_content() if body is not None else ""})
        return "250 Message accepted for delivery"


class _LoopbackController(Controller):
    """aiosmtpd's Controller on an ephemeral port: learn the port the server bound before the
    controller's own readiness check connects to it."""

    def _trigger_server(self) -> None:
        if not self.port and self.server is not None:
            self.port = self.server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]  # asyncio.Server
        super()._trigger_server()


def start_mail_server(mailbox: Mailbox, *, host: str = "127.0.0.1", port: int = 0) -> Controller:
    """A running SMTP server (its own thread); `.port` is where it listens; `.stop()` ends it."""
    controller = _LoopbackController(_MailHandler(mailbox), hostname=host, port=port)
    controller.start()
    return controller


class _WebhookHandler(BaseHTTPRequestHandler):
    server: "WebhookReceiver"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
        pass

    def _answer(self, status: int, payload: Any) -> None:
        data = json.dumps(payload, default=str).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
        box = self.server.mailbox
        self._answer(200, {"mail": box.mails(), "webhooks": box.webhooks()})

    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self._answer(413, {"error": "too large"})
            return
        raw = self.rfile.read(length)
        endpoint = self.path.strip("/").split("/")[-1]
        secret = self.server.secrets.get(endpoint)
        refusal = ("no secret for this endpoint" if secret is None else
                   signatures.refusal("generic", secret, cast(Mapping[str, str], self.headers), raw, datetime.now(timezone.utc), 300))
        try:
            body: Any = json.loads(raw)
        except ValueError:
            body, refusal = raw.decode(errors="replace")[:2000], refusal or "not JSON"
        self.server.mailbox.add_webhook({
            "received_at": _now(), "endpoint": endpoint, "verified": refusal is None, "refusal": refusal,
            "delivery_id": self.headers.get("X-Tower-Delivery-Id"),
            "event_type": self.headers.get("X-Tower-Event-Type"),
            "timestamp": self.headers.get(signatures.GENERIC_TIMESTAMP),
            "signature": self.headers.get(signatures.GENERIC_SIGNATURE),
            "raw": raw.decode(errors="replace"), "body": body})
        self._answer(401 if refusal else 200, {"error": refusal} if refusal else {"ok": True})


class WebhookReceiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, mailbox: Mailbox, secrets: Mapping[str, str], host: str, port: int) -> None:
        super().__init__((host, port), _WebhookHandler)
        self.mailbox, self.secrets = mailbox, dict(secrets)

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_webhook_receiver(mailbox: Mailbox, secrets: Mapping[str, str], *, host: str = "127.0.0.1",
                           port: int = 0) -> WebhookReceiver:
    """A running receiver (its own thread) checking signatures with `secrets` per endpoint
    (the last part of the path: POST /hooks/demo is endpoint `demo`); `.server_port`; `.stop()`."""
    server = WebhookReceiver(mailbox, secrets, host, port)
    threading.Thread(target=server.serve_forever, name="webhook-receiver", daemon=True).start()
    return server
