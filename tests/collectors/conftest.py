"""Fixtures for the collector tests: a real sandbox on loopback ports and helpers that run the
real runner against it."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Iterable

import pytest
import sqlalchemy as sa

from collectors import registry
from collectors.http import RetryPolicy
from collectors.runner import RunResult, run_stream
from collectors.stream import Stream

# Short waits so storms and outages resolve within a test, but enough attempts to ride out 429s.
TEST_RETRY = RetryPolicy(attempts=6, initial=0.05, maximum=0.5, max_retry_after=1.5, total=20)


@pytest.fixture
def start_sandbox(tmp_path):
    """start_sandbox(**kw) → a running sandbox (stopped at the end of the test)."""
    from tower.sandbox.server import start_sandbox as start

    started = []

    def make(**kw: Any):
        options = dict(seed=11, days=2, orders_per_day=120, base_port=0, live=False, rate_limit=500.0)
        options.update(kw)
        sb = start(tmp_path / f"sb{len(started)}", **options)
        started.append(sb)
        return sb
    yield make
    for sb in started:
        sb.stop()


def streams_for(sb, names: Iterable[str] | None = None, **kw: Any) -> list[Stream]:
    endpoints = registry.endpoints_from_file(sb.write_info())
    return registry.build_streams(endpoints, list(names) if names else None, retry=kw.pop("retry", TEST_RETRY), **kw)


def collect_round(engine: sa.Engine, streams: list[Stream], now: Callable[[], datetime]) -> list[RunResult]:
    return [run_stream(engine, s, now=now) for s in streams]


def store_counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM milestones), (SELECT count(*) FROM parked_milestones),"
            " (SELECT count(*) FROM dead_letters),"
            " (SELECT count(*) FROM dead_letters WHERE status = 'open')")).one())


def collect_until_quiet(engine: sa.Engine, streams: list[Stream], now: Callable[[], datetime],
                        max_rounds: int = 12) -> list[list[RunResult]]:
    """Run every stream round after round until a round changes nothing and every run is ok."""
    rounds = []
    before = store_counts(engine)
    for _ in range(max_rounds):
        results = collect_round(engine, streams, now)
        rounds.append(results)
        after = store_counts(engine)
        if after == before and all(r.status == "ok" for r in results):
            return rounds
        before = after
    raise AssertionError(f"not quiet after {max_rounds} rounds: {[(r.stream, r.status, r.error) for r in results]}")
