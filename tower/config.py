"""The one place that reads the environment. Typed, validated at start-up, with plain errors.

Every setting is documented in the README ("Settings"). Secrets are never printed: `describe()`
masks passwords in URLs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@dataclass(frozen=True)
class IntakeSettings:
    """The B2B intake: EDI files and carrier webhooks (README, "B2B intake")."""

    partners_file: Path | None        # TOWER_EDI_PARTNERS; None = the sandbox's trading partners
    inbox: Path                       # TOWER_EDI_INBOX: drop folders, one per partner
    archive: Path                     # TOWER_EDI_ARCHIVE: files read
    outbox: Path                      # TOWER_EDI_OUTBOX: acknowledgements, one folder per partner
    poll_seconds: float               # TOWER_EDI_POLL_SECONDS
    webhook_secrets: dict[str, str] = field(default_factory=dict, repr=False)  # TOWER_WEBHOOK_SECRETS
    webhook_tolerance: int = 300      # TOWER_WEBHOOK_TOLERANCE (seconds)
    upload_tokens: dict[str, str] = field(default_factory=dict, repr=False)    # TOWER_EDI_UPLOAD_TOKENS

    def describe(self) -> dict[str, str]:
        """The intake settings for display: secrets and tokens only say they are set."""
        return {"TOWER_EDI_PARTNERS": str(self.partners_file or "(the sandbox partners)"),
                "TOWER_EDI_INBOX": str(self.inbox), "TOWER_EDI_ARCHIVE": str(self.archive),
                "TOWER_EDI_OUTBOX": str(self.outbox), "TOWER_EDI_POLL_SECONDS": str(self.poll_seconds),
                "TOWER_WEBHOOK_SECRETS": ", ".join(f"{k}=(set)" for k in sorted(self.webhook_secrets)) or "(none)",
                "TOWER_WEBHOOK_TOLERANCE": str(self.webhook_tolerance),
                "TOWER_EDI_UPLOAD_TOKENS": ", ".join(f"{k}=(set)" for k in sorted(self.upload_tokens)) or "(none)"}


@dataclass(frozen=True)
class Settings:
    database_url: str | None          # TOWER_DATABASE_URL; None = embedded Postgres
    read_database_url: str | None     # TOWER_READ_DATABASE_URL; dashboards may read a replica
    data_dir: Path                    # TOWER_DATA_DIR
    web_host: str                     # TOWER_WEB_HOST
    web_port: int                     # TOWER_WEB_PORT
    log_level: str                    # TOWER_LOG_LEVEL
    secret_key: str | None            # TOWER_SECRET_KEY (signs sessions); generated if unset
    sandbox_seed: int                 # TOWER_SANDBOX_SEED
    sandbox_days: int                 # TOWER_SANDBOX_DAYS (history to backfill)
    sandbox_base_port: int            # TOWER_SANDBOX_PORT (ERP; WMS, carrier, finance follow)
    poll_seconds: float               # TOWER_POLL_SECONDS (collector poll interval)
    policy_path: Path | None          # TOWER_POLICY (flow model file); None = the built-in one
    intake: IntakeSettings            # TOWER_EDI_* and TOWER_WEBHOOK_* (B2B intake)
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def pg_dir(self) -> Path:
        return self.data_dir / "pg"

    def describe(self) -> dict[str, str]:
        """Settings for display, with passwords masked."""
        return {
            "TOWER_DATABASE_URL": mask_url(self.database_url) if self.database_url else "(embedded)",
            "TOWER_READ_DATABASE_URL": mask_url(self.read_database_url) if self.read_database_url else "(same as write)",
            "TOWER_DATA_DIR": str(self.data_dir),
            "TOWER_WEB_HOST": self.web_host,
            "TOWER_WEB_PORT": str(self.web_port),
            "TOWER_LOG_LEVEL": self.log_level,
            "TOWER_SECRET_KEY": "(set)" if self.secret_key else "(generated per data dir)",
            "TOWER_SANDBOX_SEED": str(self.sandbox_seed),
            "TOWER_SANDBOX_DAYS": str(self.sandbox_days),
            "TOWER_SANDBOX_PORT": str(self.sandbox_base_port),
            "TOWER_POLL_SECONDS": str(self.poll_seconds),
            "TOWER_POLICY": str(self.policy_path) if self.policy_path else "(built-in)",
            **self.intake.describe(),
        }


def mask_url(url: str) -> str:
    return re.sub(r"(://[^:/@]+:)[^@]*@", r"\1***@", url)


def _int(env: Mapping[str, str], name: str, default: int, lo: int, hi: int) -> int:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _float(env: Mapping[str, str], name: str, default: float, lo: float, hi: float) -> float:
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not lo <= value <= hi:
        raise ConfigError(f"{name} must be between {lo} and {hi}, got {value}")
    return value


def _url(env: Mapping[str, str], name: str) -> str | None:
    raw = env.get(name) or None
    if raw is None:
        return None
    if not re.match(r"^postgres(ql)?(\+psycopg)?://", raw):
        raise ConfigError(
            f"{name} must be a postgresql:// URL (for example postgresql://user:pass@host:5432/tower), "
            f"got {mask_url(raw)!r}"
        )
    return raw


def _pairs(env: Mapping[str, str], name: str, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, (p.strip() for p in (env.get(name) or "").split(","))):
        key, sep, secret = item.partition("=")
        if not sep or not key.strip() or not secret:
            raise ConfigError(f"{name} must be {what}=secret pairs separated by commas, "
                              f"got an item without '=' for {what} {key.strip()!r}")
        out[key.strip()] = secret
    return out


def load_intake(env: Mapping[str, str], data_dir: Path) -> IntakeSettings:
    """The B2B intake settings; folders default to `<data_dir>/edi/...`."""
    base = data_dir / "edi"
    partners = env.get("TOWER_EDI_PARTNERS") or None
    if partners and not Path(partners).is_file():
        raise ConfigError(f"TOWER_EDI_PARTNERS points to {partners!r}, which is not a file")

    def folder(name: str, default: Path) -> Path:
        return Path(env.get(name) or default).expanduser().absolute()

    return IntakeSettings(
        partners_file=Path(partners) if partners else None,
        inbox=folder("TOWER_EDI_INBOX", base / "inbox"),
        archive=folder("TOWER_EDI_ARCHIVE", base / "archive"),
        outbox=folder("TOWER_EDI_OUTBOX", base / "outbox"),
        poll_seconds=_float(env, "TOWER_EDI_POLL_SECONDS", 5.0, 0.1, 3600),
        webhook_secrets=_pairs(env, "TOWER_WEBHOOK_SECRETS", "provider"),
        webhook_tolerance=_int(env, "TOWER_WEBHOOK_TOLERANCE", 300, 1, 86400),
        upload_tokens=_pairs(env, "TOWER_EDI_UPLOAD_TOKENS", "partner"),
    )


def load(env: Mapping[str, str] | None = None) -> Settings:
    """Read and validate every setting. Raises ConfigError with a plain message."""
    env = os.environ if env is None else env
    level = (env.get("TOWER_LOG_LEVEL") or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"TOWER_LOG_LEVEL must be one of {', '.join(LOG_LEVELS)}, got {level!r}")
    policy = env.get("TOWER_POLICY") or None
    if policy and not Path(policy).is_file():
        raise ConfigError(f"TOWER_POLICY points to {policy!r}, which is not a file")
    data_dir = Path(env.get("TOWER_DATA_DIR") or ".tower").expanduser().absolute()
    return Settings(
        database_url=_url(env, "TOWER_DATABASE_URL"),
        read_database_url=_url(env, "TOWER_READ_DATABASE_URL"),
        data_dir=data_dir,
        web_host=env.get("TOWER_WEB_HOST") or "127.0.0.1",
        web_port=_int(env, "TOWER_WEB_PORT", 8050, 1, 65535),
        log_level=level,
        secret_key=env.get("TOWER_SECRET_KEY") or None,
        sandbox_seed=_int(env, "TOWER_SANDBOX_SEED", 7, 0, 2**31),
        sandbox_days=_int(env, "TOWER_SANDBOX_DAYS", 60, 0, 3650),
        sandbox_base_port=_int(env, "TOWER_SANDBOX_PORT", 8701, 1024, 65000),
        poll_seconds=_float(env, "TOWER_POLL_SECONDS", 5.0, 0.1, 3600),
        policy_path=Path(policy) if policy else None,
        intake=load_intake(env, data_dir),
    )
