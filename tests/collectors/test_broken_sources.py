"""Sources that answer, but wrongly: an HTML page, a page without its data, a huge page or
record, a cursor that loops, a record stamped years ahead. Each gives a clear error; a broken
page fails the run and keeps the bookmark; a broken record is a dead letter; nothing is lost
once the source behaves again. Faults are switched on the real sandbox, over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from collectors.runner import run_stream
from tests.collectors.conftest import collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation
from tower.store import bookmarks
from tower.store.milestone import parse_time


def _bookmark(engine):
    with engine.connect() as conn:
        return bookmarks.get(conn=conn, source="erp", stream="sales_orders")


def _letters(engine) -> list[tuple[str, str]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(
            "SELECT record_key, reason FROM dead_letters WHERE status = 'open' ORDER BY record_key"))]


def _first_page_in(engine, sb, orders):
    """One clean page stored, so the bookmark has a value a broken page must not move."""
    result = run_stream(engine, orders, now=sb.now, max_pages=1)
    assert result.status == "ok"
    return _bookmark(engine)


@pytest.mark.parametrize("fault,words", [
    ({"html": True}, "text/html"),
    ({"no_data": True}, "without a 'data' list"),
    ({"huge_page": 12 << 20}, "larger than"),
    ({"cursor_loop": True}, "cursor"),
])
def test_a_broken_page_fails_the_run_with_a_clear_error_and_keeps_the_bookmark(engine, start_sandbox,
                                                                              fault, words):
    sb = start_sandbox(days=3, orders_per_day=40)
    [orders] = streams_for(sb, ["erp/sales_orders"], page_size=20)
    mark = _first_page_in(engine, sb, orders)
    sb.set_faults("erp", **fault)
    result = run_stream(engine, orders, now=sb.now)
    assert result.status == "failed", result
    assert words in result.error
    with engine.connect() as conn:
        run = conn.execute(sa.text("SELECT status, error FROM collector_runs ORDER BY run_id DESC LIMIT 1")).one()
    assert run.status == "failed" and words in run.error
    if "cursor_loop" not in fault:  # a looping cursor's first pages were sound and are kept
        assert _bookmark(engine) == mark
    sb.clear_faults()
    collect_until_quiet(engine, [orders], sb.now)
    summary = check_conservation(engine, sb, ("erp",))
    assert summary["erp"]["in_store"] == summary["erp"]["ledger_keys"] > 0


def test_a_huge_record_is_a_dead_letter_with_its_size_and_the_rest_go_in(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=40, faults={"erp": {"huge_record": 1_200_000}})
    # Small pages: a page of ten with one or two huge records stays under the page cap.
    [orders] = streams_for(sb, ["erp/sales_orders"], page_size=10)
    collect_until_quiet(engine, [orders], sb.now)
    letters = _letters(engine)
    assert letters and all("bytes" in reason and "larger than" in reason for _, reason in letters)
    with engine.connect() as conn:
        biggest = conn.execute(sa.text("SELECT max(length(payload::text)) FROM dead_letters")).scalar_one()
    assert biggest < 100_000  # the dead letter keeps a summary, not megabytes
    with engine.connect() as conn:
        orders_in = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
    assert orders_in > 0


def test_a_record_stamped_years_ahead_is_flagged_and_does_not_hide_later_records(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=40, faults={"erp": {"future": 0.05}})
    [orders] = streams_for(sb, ["erp/sales_orders"], page_size=50)
    collect_until_quiet(engine, [orders], sb.now)
    letters = _letters(engine)
    assert letters and all("in the future" in reason for _, reason in letters)
    mark = _bookmark(engine)
    assert mark is not None
    assert parse_time(mark["since"], "bookmark") <= sb.now()
    with engine.connect() as conn:
        newest = conn.execute(sa.text("SELECT max(newest_source_at) FROM collector_runs")).scalar_one()
        future = conn.execute(sa.text("SELECT count(*) FROM milestones WHERE occurred_at > :t"),
                              {"t": sb.now() + timedelta(days=1)}).scalar_one()
    assert newest <= sb.now() and future == 0
    # Records changed after the bad ones still come in: the bookmark moves on with them.
    sb.clear_faults()
    sb.advance(minutes=90)
    with engine.connect() as conn:
        before = conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one()
    collect_until_quiet(engine, [orders], sb.now)
    with engine.connect() as conn:
        after = conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one()
    later = _bookmark(engine)
    assert after > before
    assert parse_time(mark["since"], "bookmark") < parse_time(later["since"], "bookmark") <= sb.now()
