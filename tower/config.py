"""The one place that reads the environment. Typed, validated at start-up, with plain errors.

Every setting is documented in the README ("Settings"). Secrets are never printed: `describe()`
masks passwords in URLs.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import time
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
class NotifySettings:
    """Outbound notifications and digests (README, "Notifications"); sent by the collector process."""

    smtp_host: str | None = None      # TOWER_SMTP_HOST; None = e-mail is not sent
    smtp_port: int = 25               # TOWER_SMTP_PORT
    smtp_from: str = "tower@localhost"  # TOWER_SMTP_FROM
    smtp_user: str | None = None      # TOWER_SMTP_USER (with TOWER_SMTP_PASSWORD)
    smtp_password: str | None = field(default=None, repr=False)
    smtp_starttls: bool = False       # TOWER_SMTP_STARTTLS
    webhooks: dict[str, str] = field(default_factory=dict)                     # TOWER_NOTIFY_WEBHOOKS
    webhook_secrets: dict[str, str] = field(default_factory=dict, repr=False)  # TOWER_NOTIFY_WEBHOOK_SECRETS
    digest_time: time = time(7, 0)    # TOWER_DIGEST_TIME
    digest_tz: str | None = None      # TOWER_DIGEST_TZ; None = the policy's default calendar zone
    max_attempts: int = 8             # TOWER_NOTIFY_MAX_ATTEMPTS
    retry_seconds: float = 30.0       # TOWER_NOTIFY_RETRY_SECONDS (first wait; doubles)
    retry_max_seconds: float = 3600.0  # TOWER_NOTIFY_RETRY_MAX_SECONDS
    timeout_seconds: float = 10.0     # TOWER_NOTIFY_TIMEOUT
    poll_seconds: float = 5.0         # TOWER_NOTIFY_POLL_SECONDS
    link_base: str = "http://127.0.0.1:8050"  # TOWER_NOTIFY_LINK_BASE (links in messages)
    sandbox_port: int = 8725          # TOWER_NOTIFY_SANDBOX_PORT (tower run's loopback SMTP; receiver +1)
    keep_days: int = 30               # TOWER_NOTIFY_KEEP_DAYS (sent messages and routed events kept)

    def describe(self) -> dict[str, str]:
        """For display: secrets and the SMTP password only say they are set."""
        return {"TOWER_SMTP_HOST": self.smtp_host or "(none: e-mail off)",
                "TOWER_SMTP_PORT": str(self.smtp_port), "TOWER_SMTP_FROM": self.smtp_from,
                "TOWER_SMTP_USER": self.smtp_user or "(none)",
                "TOWER_SMTP_PASSWORD": "(set)" if self.smtp_password else "(none)",
                "TOWER_SMTP_STARTTLS": "yes" if self.smtp_starttls else "no",
                "TOWER_NOTIFY_WEBHOOKS": ", ".join(f"{k}={mask_url(v)}" for k, v in sorted(self.webhooks.items())) or "(none)",
                "TOWER_NOTIFY_WEBHOOK_SECRETS": ", ".join(f"{k}=(set)" for k in sorted(self.webhook_secrets)) or "(none)",
                "TOWER_DIGEST_TIME": self.digest_time.strftime("%H:%M"),
                "TOWER_DIGEST_TZ": self.digest_tz or "(the policy's default calendar)",
                "TOWER_NOTIFY_MAX_ATTEMPTS": str(self.max_attempts),
                "TOWER_NOTIFY_RETRY_SECONDS": f"{self.retry_seconds:g}",
                "TOWER_NOTIFY_RETRY_MAX_SECONDS": f"{self.retry_max_seconds:g}",
                "TOWER_NOTIFY_TIMEOUT": f"{self.timeout_seconds:g}",
                "TOWER_NOTIFY_POLL_SECONDS": f"{self.poll_seconds:g}",
                "TOWER_NOTIFY_LINK_BASE": self.link_base, "TOWER_NOTIFY_SANDBOX_PORT": str(self.sandbox_port),
                "TOWER_NOTIFY_KEEP_DAYS": str(self.keep_days)}


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
    demo_outage: "DemoOutage | None" = None  # TOWER_DEMO_OUTAGE (tower run's one short outage)
    extra: dict[str, str] = field(default_factory=dict)
    # Web sign-in and sessions (see tower/auth/): defaults apply when built without load().
    session_idle_minutes: int = 60    # TOWER_SESSION_IDLE_MINUTES
    session_max_hours: int = 12       # TOWER_SESSION_MAX_HOURS
    cookie_secure: bool = False       # TOWER_COOKIE_SECURE (set behind TLS)
    signin_window_minutes: int = 15   # TOWER_SIGNIN_WINDOW_MINUTES
    signin_max_per_user: int = 10     # TOWER_SIGNIN_MAX_PER_USER
    signin_max_per_address: int = 50  # TOWER_SIGNIN_MAX_PER_ADDRESS
    max_request_mb: int = 4           # TOWER_MAX_REQUEST_MB
    web_processes: int = 1            # TOWER_WEB_PROCESSES (tower/web_server.py)
    web_threads: int = 16             # TOWER_WEB_THREADS (waitress worker threads of `tower web`)
    change_feed_keep_days: int = 30   # TOWER_CHANGE_FEED_KEEP_DAYS (older feed rows are deleted)
    notify: NotifySettings = field(default_factory=NotifySettings)  # TOWER_SMTP_*, TOWER_NOTIFY_*, TOWER_DIGEST_*

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
            "TOWER_DEMO_OUTAGE": self.demo_outage.spec() if self.demo_outage else "off",
            **self.intake.describe(),
            "TOWER_SESSION_IDLE_MINUTES": str(self.session_idle_minutes),
            "TOWER_SESSION_MAX_HOURS": str(self.session_max_hours),
            "TOWER_COOKIE_SECURE": "yes" if self.cookie_secure else "no",
            "TOWER_SIGNIN_WINDOW_MINUTES": str(self.signin_window_minutes),
            "TOWER_SIGNIN_MAX_PER_USER": str(self.signin_max_per_user),
            "TOWER_SIGNIN_MAX_PER_ADDRESS": str(self.signin_max_per_address),
            "TOWER_MAX_REQUEST_MB": str(self.max_request_mb),
            "TOWER_WEB_PROCESSES": str(self.web_processes),
            "TOWER_WEB_THREADS": str(self.web_threads),
            "TOWER_CHANGE_FEED_KEEP_DAYS": str(self.change_feed_keep_days),
            **self.notify.describe(),
        }


@dataclass(frozen=True)
class DemoOutage:
    """`tower run`'s one short outage of a sandbox system (tower.commands.demo_outage)."""

    system: str
    after_seconds: float
    for_seconds: float

    def spec(self) -> str:
        return f"{self.system}:{self.after_seconds:g}s:{self.for_seconds:g}s"

    def words(self) -> str:
        return (f"{self.system.upper()} will be down for {self.for_seconds / 60:g} min from "
                f"{self.after_seconds / 60:g} min after start (TOWER_DEMO_OUTAGE=off to skip)")


DEMO_OUTAGE_DEFAULT = "wms:10m:12m"   # WMS down 10 min after start, for 12 (over its 10-min limit)
_OUTAGE_SYSTEMS = ("erp", "wms", "carrier", "finance")
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)([smh]?)$")
_UNIT = {"": 60.0, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_demo_outage(raw: str | None) -> DemoOutage | None:
    """`SYSTEM:AFTER:FOR` (durations in s, m or h; bare numbers are minutes), or off. ConfigError
    with a plain message otherwise."""
    text = (raw or DEMO_OUTAGE_DEFAULT).strip().lower()
    if text in ("off", "none", "no", "false"):
        return None
    parts = text.split(":")
    if len(parts) != 3 or parts[0] not in _OUTAGE_SYSTEMS:
        raise ConfigError(f"TOWER_DEMO_OUTAGE must be SYSTEM:AFTER:FOR (for example {DEMO_OUTAGE_DEFAULT}) "
                          f"with SYSTEM one of {', '.join(_OUTAGE_SYSTEMS)}, or off; got {raw!r}")
    seconds = []
    for part in parts[1:]:
        m = _DURATION.match(part)
        if not m:
            raise ConfigError(f"TOWER_DEMO_OUTAGE: {part!r} is not a duration like 90s, 10m or 1h")
        seconds.append(float(m.group(1)) * _UNIT[m.group(2)])
    if seconds[1] <= 0:
        raise ConfigError("TOWER_DEMO_OUTAGE: the outage must last longer than 0")
    return DemoOutage(parts[0], seconds[0], seconds[1])


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


def _bool(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = (env.get(name) or "").strip().lower()
    if raw == "":
        return default
    if raw in ("1", "true", "yes", "on"):
        return True
    if raw in ("0", "false", "no", "off"):
        return False
    raise ConfigError(f"{name} must be true or false (1/0, yes/no), got {env.get(name)!r}")


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


def _secret_value(name: str, key: str, value: str) -> str:
    """A secret given inline, or by reference: `file:/path` (read once, whitespace stripped)."""
    if not value.startswith("file:"):
        return value
    try:
        text = Path(value[5:]).expanduser().read_text().strip()
    except OSError as exc:
        raise ConfigError(f"{name}: cannot read the secret file for {key!r}: {exc.strerror}") from None
    if not text:
        raise ConfigError(f"{name}: the secret file for {key!r} is empty")
    return text


def load_notify(env: Mapping[str, str], web_host: str, web_port: int) -> NotifySettings:
    """The outbound notification settings; every webhook endpoint needs an http(s) URL and a secret."""
    hooks = _pairs(env, "TOWER_NOTIFY_WEBHOOKS", "endpoint")
    for key, url in hooks.items():
        if not re.match(r"^https?://[^/\s]+", url):
            raise ConfigError(f"TOWER_NOTIFY_WEBHOOKS: the URL of {key!r} must start with http:// or https://")
    secrets = {k: _secret_value("TOWER_NOTIFY_WEBHOOK_SECRETS", k, v)
               for k, v in _pairs(env, "TOWER_NOTIFY_WEBHOOK_SECRETS", "endpoint").items()}
    unsigned = sorted(set(hooks) - set(secrets))
    if unsigned:
        raise ConfigError(f"TOWER_NOTIFY_WEBHOOK_SECRETS has no secret for {', '.join(unsigned)}: "
                          "every webhook endpoint signs with its own secret")
    raw_time = (env.get("TOWER_DIGEST_TIME") or "07:00").strip()
    if not re.match(r"^\d{1,2}:\d{2}$", raw_time):
        raise ConfigError(f"TOWER_DIGEST_TIME must be a time of day like 07:00, got {raw_time!r}")
    try:
        hour, minute = raw_time.split(":")
        digest_time = time(int(hour), int(minute))
    except ValueError:
        raise ConfigError(f"TOWER_DIGEST_TIME must be a time of day like 07:00, got {raw_time!r}") from None
    digest_tz = env.get("TOWER_DIGEST_TZ") or None
    if digest_tz:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError
        try:
            ZoneInfo(digest_tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"TOWER_DIGEST_TZ: {digest_tz!r} is not a time zone (America/Chicago, UTC)") from None
    retry = _float(env, "TOWER_NOTIFY_RETRY_SECONDS", 30.0, 0.01, 86400)
    return NotifySettings(
        smtp_host=env.get("TOWER_SMTP_HOST") or None, smtp_port=_int(env, "TOWER_SMTP_PORT", 25, 1, 65535),
        smtp_from=env.get("TOWER_SMTP_FROM") or "tower@localhost", smtp_user=env.get("TOWER_SMTP_USER") or None,
        smtp_password=env.get("TOWER_SMTP_PASSWORD") or None,
        smtp_starttls=_bool(env, "TOWER_SMTP_STARTTLS", False), webhooks=hooks, webhook_secrets=secrets,
        digest_time=digest_time, digest_tz=digest_tz,
        max_attempts=_int(env, "TOWER_NOTIFY_MAX_ATTEMPTS", 8, 1, 100), retry_seconds=retry,
        retry_max_seconds=_float(env, "TOWER_NOTIFY_RETRY_MAX_SECONDS", max(3600.0, retry), retry, 7 * 86400),
        timeout_seconds=_float(env, "TOWER_NOTIFY_TIMEOUT", 10.0, 0.1, 300),
        poll_seconds=_float(env, "TOWER_NOTIFY_POLL_SECONDS", 5.0, 0.1, 3600),
        link_base=(env.get("TOWER_NOTIFY_LINK_BASE") or f"http://{web_host}:{web_port}").rstrip("/"),
        sandbox_port=_int(env, "TOWER_NOTIFY_SANDBOX_PORT", 8725, 1024, 65000),
        keep_days=_int(env, "TOWER_NOTIFY_KEEP_DAYS", 30, 1, 3650),
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
    web_host, web_port = env.get("TOWER_WEB_HOST") or "127.0.0.1", _int(env, "TOWER_WEB_PORT", 8050, 1, 65535)
    return Settings(
        demo_outage=parse_demo_outage(env.get("TOWER_DEMO_OUTAGE")),
        database_url=_url(env, "TOWER_DATABASE_URL"),
        read_database_url=_url(env, "TOWER_READ_DATABASE_URL"),
        data_dir=data_dir,
        web_host=web_host, web_port=web_port,
        log_level=level,
        secret_key=env.get("TOWER_SECRET_KEY") or None,
        sandbox_seed=_int(env, "TOWER_SANDBOX_SEED", 7, 0, 2**31),
        sandbox_days=_int(env, "TOWER_SANDBOX_DAYS", 60, 0, 3650),
        sandbox_base_port=_int(env, "TOWER_SANDBOX_PORT", 8701, 1024, 65000),
        poll_seconds=_float(env, "TOWER_POLL_SECONDS", 5.0, 0.1, 3600),
        policy_path=Path(policy) if policy else None,
        intake=load_intake(env, data_dir),
        session_idle_minutes=_int(env, "TOWER_SESSION_IDLE_MINUTES", 60, 1, 7 * 24 * 60),
        session_max_hours=_int(env, "TOWER_SESSION_MAX_HOURS", 12, 1, 31 * 24),
        cookie_secure=_bool(env, "TOWER_COOKIE_SECURE", False),
        signin_window_minutes=_int(env, "TOWER_SIGNIN_WINDOW_MINUTES", 15, 1, 24 * 60),
        signin_max_per_user=_int(env, "TOWER_SIGNIN_MAX_PER_USER", 10, 1, 1000),
        signin_max_per_address=_int(env, "TOWER_SIGNIN_MAX_PER_ADDRESS", 50, 1, 100000),
        max_request_mb=_int(env, "TOWER_MAX_REQUEST_MB", 4, 1, 1024),
        web_processes=_int(env, "TOWER_WEB_PROCESSES", 1, 1, 64),
        web_threads=_int(env, "TOWER_WEB_THREADS", 16, 1, 256),
        change_feed_keep_days=_int(env, "TOWER_CHANGE_FEED_KEEP_DAYS", 30, 1, 3650),
        notify=load_notify(env, web_host, web_port),
    )
