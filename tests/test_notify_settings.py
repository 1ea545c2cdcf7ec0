"""Notification settings: read once, validated with plain errors, secrets never shown."""

from datetime import time

import pytest

from tower import config


def test_defaults_send_nothing_and_say_so():
    n = config.load({}).notify
    assert n.smtp_host is None and n.webhooks == {} and n.digest_time == time(7, 0)
    assert config.load({}).describe()["TOWER_SMTP_HOST"] == "(none: e-mail off)"


def test_webhook_secrets_may_be_given_by_reference_to_a_file_and_are_never_shown(tmp_path):
    secret = tmp_path / "ops.secret"
    secret.write_text("s3cr3t-from-a-file\n")
    s = config.load({"TOWER_NOTIFY_WEBHOOKS": "ops=https://hooks.example.test/tower",
                     "TOWER_NOTIFY_WEBHOOK_SECRETS": f"ops=file:{secret}", "TOWER_SMTP_PASSWORD": "pw"})
    assert s.notify.webhook_secrets == {"ops": "s3cr3t-from-a-file"}
    shown = str(s.describe()) + repr(s.notify)
    assert "s3cr3t" not in shown and "pw'" not in shown and "ops=(set)" in shown


@pytest.mark.parametrize("env, words", [
    ({"TOWER_NOTIFY_WEBHOOKS": "ops=https://x.test/h"}, "no secret for ops"),
    ({"TOWER_NOTIFY_WEBHOOKS": "ops=ftp://x.test/h", "TOWER_NOTIFY_WEBHOOK_SECRETS": "ops=s"}, "http:// or https://"),
    ({"TOWER_NOTIFY_WEBHOOK_SECRETS": "ops=file:/nonexistent/secret"}, "cannot read the secret file"),
    ({"TOWER_DIGEST_TIME": "7am"}, "time of day"),
    ({"TOWER_DIGEST_TIME": "25:00"}, "time of day"),
    ({"TOWER_DIGEST_TZ": "Mars/Olympus"}, "not a time zone"),
    ({"TOWER_NOTIFY_MAX_ATTEMPTS": "0"}, "between 1 and 100"),
    ({"TOWER_SMTP_PORT": "smtp"}, "whole number"),
])
def test_a_malformed_notification_setting_is_one_plain_error(env, words):
    with pytest.raises(config.ConfigError, match=words):
        config.load(env)
