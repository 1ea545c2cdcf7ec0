"""The sign-in and session settings are typed and validated like every other setting."""

from __future__ import annotations

import pytest

from tower import config


def test_the_sign_in_settings_have_defaults_and_read_the_environment():
    default = config.load({})
    assert (default.session_idle_minutes, default.session_max_hours, default.cookie_secure) == (60, 12, False)
    assert (default.signin_window_minutes, default.signin_max_per_user, default.signin_max_per_address) == (15, 10, 50)
    assert default.max_request_mb == 4
    given = config.load({"TOWER_SESSION_IDLE_MINUTES": "15", "TOWER_SESSION_MAX_HOURS": "8",
                         "TOWER_COOKIE_SECURE": "yes", "TOWER_SIGNIN_WINDOW_MINUTES": "30",
                         "TOWER_SIGNIN_MAX_PER_USER": "5", "TOWER_SIGNIN_MAX_PER_ADDRESS": "200",
                         "TOWER_MAX_REQUEST_MB": "16"})
    assert (given.session_idle_minutes, given.session_max_hours, given.cookie_secure) == (15, 8, True)
    assert (given.signin_window_minutes, given.signin_max_per_user, given.signin_max_per_address) == (30, 5, 200)
    assert given.max_request_mb == 16
    assert given.describe()["TOWER_COOKIE_SECURE"] == "yes"


@pytest.mark.parametrize("name,value,message", [
    ("TOWER_SESSION_IDLE_MINUTES", "0", "between 1 and"),
    ("TOWER_SESSION_MAX_HOURS", "forever", "whole number"),
    ("TOWER_COOKIE_SECURE", "maybe", "true or false"),
    ("TOWER_SIGNIN_MAX_PER_USER", "-1", "between 1 and"),
    ("TOWER_MAX_REQUEST_MB", "1e3", "whole number"),
])
def test_a_malformed_sign_in_setting_is_refused_with_its_name(name, value, message):
    with pytest.raises(config.ConfigError, match=f"{name}.*{message}"):
        config.load({name: value})
