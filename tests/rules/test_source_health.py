"""A source's health in event time: data lag against the source's own present, not poll age."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from tower.rules.source_health import data_lag, stream_health, worst

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=timezone.utc)
LIMIT = 15 * 60.0


def reading(**kw) -> dict:
    base = dict(source="erp", stream="sales_orders", last_status="ok", last_ok_at=NOW - timedelta(seconds=2),
                data_through=NOW - timedelta(seconds=2), source_as_of=NOW - timedelta(seconds=2),
                caught_up=True, observed_at=NOW - timedelta(seconds=2), runs=10, failed_runs=0)
    base.update(kw)
    return base


def test_a_quiet_stream_polled_seconds_ago_is_up_however_old_its_newest_record():
    # The newest change is 46 minutes old, but the last poll read to the source's present.
    health = stream_health(reading(newest_source_at=NOW - timedelta(minutes=46)), now=NOW, limit_seconds=LIMIT)
    assert health.state == "up" and health.lag_seconds < 5


def test_a_stream_reading_fifty_days_of_history_is_catching_up_and_holds_its_alerts():
    health = stream_health(reading(caught_up=False, last_status="running",
                                   data_through=NOW - timedelta(days=50)), now=NOW, limit_seconds=LIMIT)
    assert health.state == "catching_up" and health.holds
    assert "50 days behind" in health.reason


def test_a_first_run_that_has_not_committed_a_page_is_catching_up():
    health = stream_health(reading(last_status="running", last_ok_at=None, data_through=None,
                                   source_as_of=None, observed_at=None, caught_up=None, runs=0),
                           now=NOW, limit_seconds=LIMIT)
    assert health.state == "catching_up"


def test_a_stream_whose_polls_fail_past_the_limit_is_down():
    health = stream_health(reading(last_status="failed", failed_runs=6,
                                   data_through=NOW - timedelta(minutes=40),
                                   observed_at=NOW - timedelta(minutes=40),
                                   source_as_of=NOW - timedelta(minutes=40)), now=NOW, limit_seconds=LIMIT)
    assert health.state == "down" and "40 min" in health.reason


def test_a_stream_that_never_succeeded_and_fails_is_down():
    health = stream_health(reading(last_status="failed", last_ok_at=None, data_through=None, runs=3,
                                   failed_runs=3), now=NOW, limit_seconds=LIMIT)
    assert health.state == "down" and health.reason == "no successful run yet"


def test_a_stream_with_recent_failures_but_fresh_data_is_degraded_not_down():
    health = stream_health(reading(failed_runs=2), now=NOW, limit_seconds=LIMIT)
    assert health.state == "degraded" and not health.holds and "2 of the last 10" in health.reason


def test_the_lag_counts_the_source_s_own_clock_not_tower_s():
    # The source's clock runs 10 minutes ahead of tower's; everything up to 5 minutes before the
    # source's present was read one minute ago (tower's time): 5 + 1 minutes behind.
    seen = NOW - timedelta(minutes=1)
    lag = data_lag(reading(observed_at=seen, source_as_of=seen + timedelta(minutes=10),
                           data_through=seen + timedelta(minutes=5)), NOW)
    assert lag == 6 * 60


def test_runs_recorded_before_event_time_fall_back_to_the_last_good_finish():
    lag = data_lag(reading(data_through=None, last_ok_at=NOW - timedelta(minutes=47)), NOW)
    assert lag == 47 * 60


def test_a_source_is_as_healthy_as_its_worst_stream():
    up = stream_health(reading(), now=NOW, limit_seconds=LIMIT)
    behind = stream_health(reading(stream="returns", caught_up=False, data_through=NOW - timedelta(hours=3)),
                           now=NOW, limit_seconds=LIMIT)
    assert worst([up, behind]).stream == "returns"
