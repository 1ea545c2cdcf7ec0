"""Who may push: HMAC-SHA256 over the raw body with the provider's secret.

Two formats:
    easypost   EasyPost's own scheme: header X-Hmac-Signature = "hmac-sha256-hex=" + hex HMAC of
               the raw body, keyed by the webhook secret (NFKD-normalised, as EasyPost's client
               libraries do). EasyPost signs no timestamp, so replays are stopped by the event id.
    generic    header X-Tower-Timestamp (Unix seconds) and X-Tower-Signature = "v1=" + hex HMAC of
               "<timestamp>.<raw body>": the timestamp is signed, so it must also lie within the
               tolerance (default 300 s) — a captured request cannot be replayed later.
Comparisons are constant-time. A refusal says why in words for the log, never to the caller.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from datetime import datetime
from typing import Mapping

EASYPOST_HEADER = "X-Hmac-Signature"
GENERIC_SIGNATURE = "X-Tower-Signature"
GENERIC_TIMESTAMP = "X-Tower-Timestamp"


def kind(provider: str) -> str:
    return "easypost" if provider == "easypost" else "generic"


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def sign(provider: str, secret: str, body: bytes, timestamp: int) -> dict[str, str]:
    """The headers a sender puts on `body` (used by the sandbox carrier, tests and benches)."""
    if kind(provider) == "easypost":
        key = unicodedata.normalize("NFKD", secret)
        return {EASYPOST_HEADER: "hmac-sha256-hex=" + _hex(key, body)}
    return {GENERIC_TIMESTAMP: str(timestamp), GENERIC_SIGNATURE: "v1=" + _hex(secret, f"{timestamp}.".encode() + body)}


def refusal(provider: str, secret: str, headers: Mapping[str, str], body: bytes, now: datetime,
            tolerance: int) -> str | None:
    """None if the request is authentic and fresh, else why not."""
    if kind(provider) == "easypost":
        given = headers.get(EASYPOST_HEADER) or ""
        if not given:
            return f"no {EASYPOST_HEADER} header"
        expected = sign(provider, secret, body, 0)[EASYPOST_HEADER]
        return None if hmac.compare_digest(given.strip().lower(), expected) else "signature does not match"
    stamp, given = headers.get(GENERIC_TIMESTAMP) or "", headers.get(GENERIC_SIGNATURE) or ""
    if not stamp or not given:
        return f"missing {GENERIC_TIMESTAMP} or {GENERIC_SIGNATURE} header"
    try:
        sent = int(stamp)
    except ValueError:
        return f"{GENERIC_TIMESTAMP} is not Unix seconds: {stamp[:40]!r}"
    expected = sign(provider, secret, body, sent)[GENERIC_SIGNATURE]
    candidates = [part.strip() for part in given.split(",")]   # several during a secret rotation
    if not any(hmac.compare_digest(c, expected) for c in candidates):
        return "signature does not match"
    skew = abs(now.timestamp() - sent)
    if skew > tolerance:
        return f"timestamp {sent} is {skew:.0f} s away from now (tolerance {tolerance} s)"
    return None
