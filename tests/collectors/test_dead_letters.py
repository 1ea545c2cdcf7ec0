"""Bad records become dead letters with a reason (never crashes, never silent loss), the rest of
the page still goes in, and a replay after a mapping fix brings them into the store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa

from collectors import registry
from collectors.runner import replay_dead_letters, replay_requested
from tests.collectors.conftest import collect_round, collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation
from tower import clock
from tower.data import integrations

ROOT = Path(__file__).resolve().parents[2]
FIX = {"order_reference": "order_ref"}


def _letters(engine, source):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT record_key, reason, status, retry_count, payload FROM dead_letters WHERE source = :s"
            " ORDER BY dead_letter_id"), {"s": source}).mappings().all()


def test_schema_drift_goes_to_dead_letters_and_a_replay_after_the_fix_brings_it_in(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=30, faults={"wms": {"drift": True}})
    streams = streams_for(sb, ["wms"])
    results = collect_round(engine, streams, sb.now)
    assert [r.status for r in results] == ["ok", "ok"]  # drift is not a crash
    letters = _letters(engine, "wms")
    assert len(letters) == sum(r.records for r in results) > 0
    assert all("missing field 'order_ref'" in l["reason"] and "order_reference" in l["reason"] for l in letters)
    assert all(l["payload"].get("schema_version") == 2 for l in letters)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM milestones WHERE source = 'wms'")).scalar_one() == 0

    # Replaying with the unchanged mapping fails again: counted, kept, nothing lost.
    unchanged = replay_dead_letters(engine, lambda s, n: registry.resolve_stream(s, n))
    assert unchanged.replayed == 0 and unchanged.failed == len(letters)
    assert {l["retry_count"] for l in _letters(engine, "wms")} == {1}

    fixed = replay_dead_letters(engine, lambda s, n: registry.resolve_stream(s, n, aliases=FIX))
    assert fixed.replayed == len(letters) and fixed.failed == 0
    assert {l["status"] for l in _letters(engine, "wms")} == {"replayed"}
    sb.clear_faults()
    collect_until_quiet(engine, streams, sb.now)
    summary = check_conservation(engine, sb, ("wms",))
    assert summary["wms"]["in_store"] == summary["wms"]["ledger_keys"]


def test_malformed_records_are_dead_lettered_with_a_reason_and_the_rest_of_the_page_goes_in(engine, start_sandbox):
    sb = start_sandbox(days=20, orders_per_day=20,
                       faults={"finance": {"malformed": 0.3}, "carrier": {"malformed": 0.3}})
    streams = streams_for(sb, ["finance", "carrier"])
    collect_until_quiet(engine, streams, sb.now)
    summary = check_conservation(engine, sb, ("finance", "carrier"))
    for source in ("finance", "carrier"):
        assert 0 < summary[source]["dead_lettered"] < summary[source]["in_store"]
    reasons = {l["reason"] for source in ("finance", "carrier") for l in _letters(engine, source)}
    assert any("not a valid ISO-8601 time" in r or "has no time zone" in r for r in reasons)
    assert any("missing field" in r for r in reasons)
    assert any("must be" in r for r in reasons)


def _tower(db_url: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp_path / "tower")}
    return subprocess.run([sys.executable, "-m", "tower", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_deadletters_commands_list_and_replay(engine, db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=2, orders_per_day=20, faults={"wms": {"drift": True}})
    collect_round(engine, streams_for(sb, ["wms/shipments"]), sb.now)
    count = len(_letters(engine, "wms"))
    assert count > 0

    listed = _tower(db_url, tmp_path, "deadletters", "list", "--source", "wms", "--status", "open")
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.strip().splitlines()) == count
    assert "wms/shipments" in listed.stdout and "order_reference" in listed.stdout

    assert _tower(db_url, tmp_path, "deadletters", "list", "--source", "erp").stdout.strip() == "no dead letters"

    vague = _tower(db_url, tmp_path, "deadletters", "replay")
    assert vague.returncode == 1 and "--id" in vague.stderr

    first_id = int(listed.stdout.split()[0].lstrip("#"))
    replayed = _tower(db_url, tmp_path, "deadletters", "replay", "--id", str(first_id))
    assert replayed.returncode == 1 and "still failing 1" in replayed.stdout
    replayed = _tower(db_url, tmp_path, "deadletters", "replay", "--all", "--source", "wms")
    assert f"still failing {count}" in replayed.stdout
    retries = sorted(l["retry_count"] for l in _letters(engine, "wms"))
    assert retries == sorted([2] + [1] * (count - 1))


def test_collect_check_reports_each_stream(db_url, start_sandbox, tmp_path):
    sb = start_sandbox(days=1, orders_per_day=10, faults={"carrier": {"outage": "503"}})
    out = _tower(db_url, tmp_path, "collect", "--check", "--sources", str(sb.write_info()))
    assert out.returncode == 1
    lines = dict(line.split(": ", 1) for line in out.stdout.strip().splitlines())
    assert lines["erp/sales_orders"] == "ok" and lines["finance/payments"] == "ok"
    assert "503" in lines["carrier/tracking_events"]


def test_a_replay_asked_for_on_the_page_is_done_by_the_collector_job_and_clears_its_mark(engine, start_sandbox):
    sb = start_sandbox(days=3, orders_per_day=30, faults={"wms": {"drift": True}})
    collect_round(engine, streams_for(sb, ["wms"]), sb.now)
    letters = _letters_with_ids(engine, "wms")
    asked, left = [letters[0]["dead_letter_id"]], [l["dead_letter_id"] for l in letters[1:]]
    assert left, "the drift should dead-letter more than one record"
    with engine.begin() as conn:
        assert integrations.request_replay(conn=conn, ids=asked, by="admin", now=clock.now()) == 1

    # The unchanged mapping still fails: the asked-for letter is retried once, its mark
    # cleared (so it is not retried forever); the others are left alone.
    first = replay_requested(engine, lambda s, n: registry.resolve_stream(s, n))
    assert (first.replayed, first.failed) == (0, 1)
    after = {l["dead_letter_id"]: l for l in _letters_with_ids(engine, "wms")}
    assert after[asked[0]]["retry_count"] == 1 and after[asked[0]]["replay_requested_at"] is None
    assert {after[i]["retry_count"] for i in left} == {0}
    assert replay_requested(engine, lambda s, n: registry.resolve_stream(s, n)).failed == 0

    # After the mapping fix, a new request brings the letter in.
    with engine.begin() as conn:
        integrations.request_replay(conn=conn, ids=asked, by="admin", now=clock.now())
    fixed = replay_requested(engine, lambda s, n: registry.resolve_stream(s, n, aliases=FIX))
    assert (fixed.replayed, fixed.failed) == (1, 0)
    assert {l["dead_letter_id"]: l["status"] for l in _letters_with_ids(engine, "wms")}[asked[0]] == "replayed"


def _letters_with_ids(engine, source):
    with engine.connect() as conn:
        return conn.execute(sa.text(
            "SELECT dead_letter_id, status, retry_count, replay_requested_at FROM dead_letters"
            " WHERE source = :s ORDER BY dead_letter_id"), {"s": source}).mappings().all()
