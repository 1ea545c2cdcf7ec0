"""Settings come from the environment, validated with plain messages."""

from __future__ import annotations

import pytest

from tower.config import ConfigError, load, mask_url


def test_with_no_environment_tower_uses_its_embedded_database():
    settings = load({})
    assert settings.embedded and settings.web_port == 8050 and settings.pg_dir.name == "pg"


@pytest.mark.parametrize("env, message", [
    ({"TOWER_WEB_PORT": "eighty"}, "TOWER_WEB_PORT must be a whole number"),
    ({"TOWER_WEB_PORT": "70000"}, "between 1 and 65535"),
    ({"TOWER_DATABASE_URL": "mysql://x@y/z"}, "must be a postgresql:// URL"),
    ({"TOWER_LOG_LEVEL": "LOUD"}, "TOWER_LOG_LEVEL must be one of"),
    ({"TOWER_POLL_SECONDS": "0"}, "TOWER_POLL_SECONDS must be between"),
    ({"TOWER_POLICY": "/nonexistent/policy.yaml"}, "is not a file"),
])
def test_bad_settings_are_refused_with_a_plain_message(env, message):
    with pytest.raises(ConfigError, match=message):
        load(env)


def test_passwords_never_appear_in_the_settings_shown():
    settings = load({"TOWER_DATABASE_URL": "postgresql://tower:s3cret@db:5432/tower"})
    shown = " ".join(settings.describe().values())
    assert "s3cret" not in shown and "tower:***@db" in shown
    assert mask_url("postgresql://u:p@h/d") == "postgresql://u:***@h/d"


def test_the_demo_outage_defaults_to_a_short_wms_outage_and_can_be_turned_off():
    from tower.config import DemoOutage, load

    assert load({}).demo_outage == DemoOutage("wms", 600.0, 720.0)
    assert load({"TOWER_DEMO_OUTAGE": "off"}).demo_outage is None
    assert load({"TOWER_DEMO_OUTAGE": "carrier:90s:2m"}).demo_outage == DemoOutage("carrier", 90.0, 120.0)


def test_a_malformed_demo_outage_is_a_plain_error():
    import pytest

    from tower.config import ConfigError, load

    with pytest.raises(ConfigError, match="TOWER_DEMO_OUTAGE must be SYSTEM:AFTER:FOR"):
        load({"TOWER_DEMO_OUTAGE": "mainframe:1m:2m"})
    with pytest.raises(ConfigError, match="'soon' is not a duration"):
        load({"TOWER_DEMO_OUTAGE": "wms:soon:2m"})
