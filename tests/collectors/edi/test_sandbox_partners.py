"""Conservation for EDI: every transaction the sandbox's trading partners sent (with the faults
real partners produce) is in the store exactly once, or in dead letters with a reason."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from collectors.carrier.streams import CODES as CARRIER_CODES
from collectors.edi import inbox, partners
from collectors.edi.evaluate import judge
from collectors.edi.intake import sha256
from collectors.edi.parse import parse_bytes
from tests.collectors.ledger_check import open_dead_letters, stored_facts
from tower import config
from tower.sandbox.edi_partner import drop, render_drops


def test_every_edi_transaction_the_sandbox_partners_sent_is_stored_once_or_dead_lettered(engine, start_sandbox,
                                                                                       tmp_path: Path) -> None:
    sb = start_sandbox(days=3, orders_per_day=40)
    files = render_drops(sb.ledger, seed=5)
    planted = [t for f in files for t in f.transactions]
    assert {t.set_id for t in planted} == {"856", "810", "214", "IFTSTA"}
    assert {t.fault for t in planted} >= {None, "count", "code"}, "the faults should really bite"
    assert any(f.copy_of for f in files)
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path / "tower")}).intake
    drop(files, settings.inbox)
    summaries = inbox.poll(engine, settings, partners.load())
    assert len(summaries) == len(files)

    registry = partners.load()
    stored = stored_facts(engine)
    assert not [k for k, n in stored.items() if n > 1], "a fact stored twice"
    letters = open_dead_letters(engine)
    events_by_kind: Counter = Counter()
    expected_kinds: Counter = Counter()
    carrier_records = {row["key"]: row["record"] for row in sb.ledger("carrier") if row["current"]}
    for item in files:
        if item.copy_of:
            continue
        verdict = judge(parse_bytes(item.data, f"{item.partner}/{item.name}"), registry)
        assert len(verdict.results) == len(item.transactions), item.name
        for n, (result, sent) in enumerate(zip(verdict.results, item.transactions)):
            if sent.fault is None:
                assert result.accepted, (item.name, result.reason)
                for milestone in result.milestones:
                    assert stored[(milestone.source, milestone.source_event_id)] == 1, (item.name, sent.key)
                    if sent.set_id in ("214", "IFTSTA"):
                        events_by_kind[milestone.kind] += 1
                if sent.set_id in ("214", "IFTSTA"):
                    expected_kinds[CARRIER_CODES[carrier_records[sent.key]["code"]]] += 1
            else:
                key = ("edi", item.partner, f"{sha256(item.data)}#{result.interchange_index}.{n}")
                reason = letters.get(key)
                assert reason, (item.name, sent)
                wanted = {"count": ("SE01", "UNT01"), "code": ("unknown code",)}[sent.fault]
                assert any(w in reason for w in wanted), reason
    # The carrier events that came in by EDI are the carrier's own events, status for status.
    assert events_by_kind == expected_kinds and sum(expected_kinds.values()) > 20
    with engine.connect() as conn:
        repeats = conn.execute(sa.text("SELECT count(*) FROM edi_files WHERE times_seen = 2")).scalar_one()
    assert repeats == sum(1 for f in files if f.copy_of)


def test_the_live_feed_drops_only_what_is_new_each_round(engine, start_sandbox, tmp_path: Path) -> None:
    from tower.sandbox.edi_feed import Feed

    sb = start_sandbox(days=2, orders_per_day=20)
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path / "tower")}).intake
    feed = Feed(sb.data_dir, settings.inbox, history=True)
    first = feed.once()
    assert first["files"] > 0
    inbox.poll(engine, settings, partners.load())
    assert feed.once()["files"] == 0               # nothing new published: nothing dropped
    sb.advance(minutes=24 * 60)
    assert feed.once()["files"] > 0
    inbox.poll(engine, settings, partners.load())
    stored = stored_facts(engine)
    assert stored and set(stored.values()) == {1}
    assert Feed(sb.data_dir, settings.inbox).state == feed.state   # it remembers how far it got


def test_a_new_feed_starts_trading_from_now_not_from_the_backfilled_history(start_sandbox, tmp_path: Path) -> None:
    from tower.sandbox.edi_feed import Feed

    sb = start_sandbox(days=2, orders_per_day=20)
    feed = Feed(sb.data_dir, tmp_path / "inbox")
    assert feed.once()["files"] == 0      # the history is already in tower by polling
    sb.advance(minutes=24 * 60)
    assert feed.once()["files"] > 0
