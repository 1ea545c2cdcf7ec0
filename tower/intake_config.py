"""Settings of the B2B intake (EDI files and carrier webhooks), read from the environment the
same way tower/config.py reads the rest: typed, validated, plain errors, secrets never printed.

    TOWER_EDI_PARTNERS          trading-partner registry (YAML); default: the sandbox partners
    TOWER_EDI_INBOX             drop folders, one per partner: <inbox>/<partner>/ (default <data>/edi/inbox)
    TOWER_EDI_ARCHIVE           where read files go (default <data>/edi/archive)
    TOWER_EDI_OUTBOX            acknowledgements, one folder per partner (default <data>/edi/outbox)
    TOWER_EDI_POLL_SECONDS      how often the collector process looks at the inbox (default 5)
    TOWER_WEBHOOK_SECRETS       provider=secret pairs, comma separated (easypost=..., generic=...)
    TOWER_WEBHOOK_TOLERANCE     seconds a signed timestamp may differ from now (default 300)
    TOWER_EDI_UPLOAD_TOKENS     partner=token pairs: partners that push EDI over HTTP
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from tower.config import ConfigError


@dataclass(frozen=True)
class IntakeSettings:
    partners_file: Path | None
    inbox: Path
    archive: Path
    outbox: Path
    poll_seconds: float
    webhook_secrets: dict[str, str] = field(default_factory=dict, repr=False)
    webhook_tolerance: int = 300
    upload_tokens: dict[str, str] = field(default_factory=dict, repr=False)

    def describe(self) -> dict[str, str]:
        return {"TOWER_EDI_PARTNERS": str(self.partners_file or "(the sandbox partners)"),
                "TOWER_EDI_INBOX": str(self.inbox), "TOWER_EDI_ARCHIVE": str(self.archive),
                "TOWER_EDI_OUTBOX": str(self.outbox), "TOWER_EDI_POLL_SECONDS": str(self.poll_seconds),
                "TOWER_WEBHOOK_SECRETS": ", ".join(f"{k}=(set)" for k in sorted(self.webhook_secrets)) or "(none)",
                "TOWER_WEBHOOK_TOLERANCE": str(self.webhook_tolerance),
                "TOWER_EDI_UPLOAD_TOKENS": ", ".join(f"{k}=(set)" for k in sorted(self.upload_tokens)) or "(none)"}


def _secrets(raw: str, name: str = "TOWER_WEBHOOK_SECRETS", what: str = "provider") -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in raw.split(","))):
        provider, sep, secret = item.partition("=")
        if not sep or not provider.strip() or not secret:
            raise ConfigError(f"{name} must be {what}=secret pairs separated by commas, "
                              f"got an item without '=' for {what} {provider.strip()!r}")
        out[provider.strip()] = secret
    return out


def load(env: Mapping[str, str] | None = None, data_dir: Path | None = None) -> IntakeSettings:
    env = os.environ if env is None else env
    base = (data_dir or Path(env.get("TOWER_DATA_DIR") or ".tower").expanduser().absolute()) / "edi"
    partners = env.get("TOWER_EDI_PARTNERS") or None
    if partners and not Path(partners).is_file():
        raise ConfigError(f"TOWER_EDI_PARTNERS points to {partners!r}, which is not a file")
    try:
        poll = float(env.get("TOWER_EDI_POLL_SECONDS") or 5.0)
        tolerance = int(env.get("TOWER_WEBHOOK_TOLERANCE") or 300)
    except ValueError:
        raise ConfigError("TOWER_EDI_POLL_SECONDS and TOWER_WEBHOOK_TOLERANCE must be numbers") from None
    if not 0.1 <= poll <= 3600 or not 1 <= tolerance <= 86400:
        raise ConfigError("TOWER_EDI_POLL_SECONDS must be 0.1-3600 and TOWER_WEBHOOK_TOLERANCE 1-86400 seconds")
    return IntakeSettings(
        partners_file=Path(partners) if partners else None,
        inbox=Path(env.get("TOWER_EDI_INBOX") or base / "inbox").expanduser().absolute(),
        archive=Path(env.get("TOWER_EDI_ARCHIVE") or base / "archive").expanduser().absolute(),
        outbox=Path(env.get("TOWER_EDI_OUTBOX") or base / "outbox").expanduser().absolute(),
        poll_seconds=poll, webhook_secrets=_secrets(env.get("TOWER_WEBHOOK_SECRETS") or ""),
        webhook_tolerance=tolerance,
        upload_tokens=_secrets(env.get("TOWER_EDI_UPLOAD_TOKENS") or "", "TOWER_EDI_UPLOAD_TOKENS", "partner"))
