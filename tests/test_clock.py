"""The one clock: frozen and advanced in tests, offset and sped up from the environment."""

from datetime import datetime, timedelta, timezone

import pytest

from tower import clock

UTC = timezone.utc


@pytest.fixture(autouse=True)
def _reset():
    import os

    had_anchor = os.environ.get("TOWER_CLOCK_ANCHOR")
    clock.reset()
    yield
    clock.reset()
    if had_anchor is None:  # a sped-up clock publishes its anchor for child processes
        os.environ.pop("TOWER_CLOCK_ANCHOR", None)


def test_now_is_an_aware_utc_time():
    assert clock.now().utcoffset() == timedelta(0)


def test_a_frozen_clock_reads_the_same_until_advanced():
    with clock.frozen(datetime(2026, 11, 2, 15, tzinfo=UTC)):
        assert clock.now() == datetime(2026, 11, 2, 15, tzinfo=UTC)
        clock.advance(timedelta(hours=3))
        assert clock.now() == datetime(2026, 11, 2, 18, tzinfo=UTC)


def test_offset_and_speed_come_from_the_environment():
    anchor = datetime(2026, 1, 1, tzinfo=UTC)
    state = clock.from_env({"TOWER_CLOCK_OFFSET": "-2d", "TOWER_CLOCK_SPEED": "60",
                            "TOWER_CLOCK_ANCHOR": anchor.isoformat()})
    assert state.start == anchor - timedelta(days=2) and state.speed == 60


def test_an_iso_offset_starts_the_clock_at_that_time():
    state = clock.from_env({"TOWER_CLOCK_OFFSET": "2026-03-09T08:00:00-06:00",
                            "TOWER_CLOCK_ANCHOR": "2026-11-27T00:00:00+00:00"})
    assert state.start == datetime(2026, 3, 9, 14, tzinfo=UTC)


def test_a_sped_up_clock_runs_faster_than_the_wall(monkeypatch):
    monkeypatch.setenv("TOWER_CLOCK_SPEED", "3600")
    monkeypatch.delenv("TOWER_CLOCK_ANCHOR", raising=False)
    clock.reset()
    first = clock.now()
    import time
    time.sleep(0.05)
    assert clock.now() - first >= timedelta(seconds=150)


@pytest.mark.parametrize("env, message", [
    ({"TOWER_CLOCK_SPEED": "fast"}, "TOWER_CLOCK_SPEED must be a number"),
    ({"TOWER_CLOCK_SPEED": "0"}, "above 0"),
    ({"TOWER_CLOCK_OFFSET": "yesterday"}, "TOWER_CLOCK_OFFSET must be"),
    ({"TOWER_CLOCK_OFFSET": "2026-03-09T08:00:00"}, "no time zone"),
])
def test_bad_clock_settings_are_refused_plainly(env, message):
    with pytest.raises(clock.ClockError, match=message):
        clock.from_env(env)
