"""The B2B intake settings (part of tower.config.Settings): defaults under the data directory, secrets parsed, plain errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from tower.config import ConfigError, IntakeSettings
from tower.config import load as load_settings


def load(env: dict[str, str]) -> IntakeSettings:
    return load_settings(env).intake


def test_the_defaults_live_under_the_data_directory(tmp_path: Path) -> None:
    settings = load({"TOWER_DATA_DIR": str(tmp_path)})
    assert settings.inbox == tmp_path / "edi" / "inbox" and settings.outbox == tmp_path / "edi" / "outbox"
    assert settings.webhook_secrets == {} and settings.webhook_tolerance == 300 and settings.partners_file is None


def test_secrets_and_tokens_are_read_per_provider_and_never_described(tmp_path: Path) -> None:
    settings = load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_WEBHOOK_SECRETS": "easypost=s3c=ret, generic=g3n",
                     "TOWER_EDI_UPLOAD_TOKENS": "sandbox-3pl=t0ken-3pl"})
    assert settings.webhook_secrets == {"easypost": "s3c=ret", "generic": "g3n"}
    assert settings.upload_tokens == {"sandbox-3pl": "t0ken-3pl"}
    described = str(settings.describe()) + repr(settings)
    assert not any(x in described for x in ("s3c=ret", "g3n", "t0ken-3pl")) and "easypost=(set)" in described


@pytest.mark.parametrize("env,message", [
    ({"TOWER_WEBHOOK_SECRETS": "easypost"}, "provider=secret pairs"),
    ({"TOWER_EDI_UPLOAD_TOKENS": "=x"}, "partner=secret pairs"),
    ({"TOWER_EDI_PARTNERS": "/nonexistent/partners.yaml"}, "not a file"),
    ({"TOWER_WEBHOOK_TOLERANCE": "soon"}, "TOWER_WEBHOOK_TOLERANCE must be a whole number"),
    ({"TOWER_EDI_POLL_SECONDS": "0"}, "TOWER_EDI_POLL_SECONDS must be between 0.1 and 3600"),
])
def test_a_malformed_setting_is_refused_with_its_name(env: dict, message: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=message):
        load({"TOWER_DATA_DIR": str(tmp_path), **env})
