"""EDI files into the store: milestones in, rejects to dead letters with their reason, the same
file stored once, acknowledgements to the outbox, replay after a fix, and `tower edi load`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import sqlalchemy as sa

from collectors.edi import codes
from collectors.edi.intake import EdiReplay, load_bytes, write_acks
from collectors.runner import replay_dead_letters
from tests.collectors.edi.samples import manifest, registry_for, sample_registry

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def _load(engine, path: Path, registry, name: str | None = None):
    with engine.begin() as conn:
        return load_bytes(conn=conn, data=path.read_bytes(), name=name or path.name, registry=registry, now=NOW)


def test_a_good_file_goes_in_once_however_often_it_is_dropped(engine, shared_data: Path) -> None:
    path = shared_data / "edi/x12/810/X12Parser__Example3_MultiInvoice.txt"
    registry = registry_for(path, source="finance")
    first = _load(engine, path, registry)
    assert (first.outcome, first.accepted, first.milestones) == ("accepted", 2, 2)
    stored = _count(engine, "SELECT count(*) FROM milestones") + _count(engine, "SELECT count(*) FROM parked_milestones")
    assert stored == 2
    again = _load(engine, path, registry, name="renamed.txt")
    assert again.duplicate
    assert _count(engine, "SELECT count(*) FROM milestones") + _count(engine, "SELECT count(*) FROM parked_milestones") == 2
    assert _count(engine, "SELECT times_seen FROM edi_files") == 2
    assert _count(engine, "SELECT count(*) FROM dead_letters") == 0


def test_a_rejected_transaction_is_a_dead_letter_and_its_good_neighbours_still_go_in(engine, shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "edi/x12/850/X12-Examples__DuplicateMessage.txt"
    summary = _load(engine, path, registry_for(path, source="erp"))
    assert (summary.outcome, summary.accepted, summary.rejected) == ("partial", 1, 1)
    assert _count(engine, "SELECT count(*) FROM milestones WHERE kind = 'placed'") == 1
    with engine.connect() as conn:
        (reason, stream, payload) = conn.execute(sa.text("SELECT reason, stream, payload FROM dead_letters")).one()
    assert stream == "sample" and "transaction 850 0001, segment 1 (ST), element 2" in reason
    assert payload["transaction"] == 1 and "ISA" in payload["text"]
    (written,) = write_acks(summary, tmp_path)
    assert written.parent.name == "sample" and "AK5*R*23" in written.read_text()


def test_a_file_from_an_unknown_partner_is_rejected_whole_with_the_reason(engine, shared_data: Path) -> None:
    path = shared_data / "edi/x12/850/X12-Examples__PurchaseOrderInvalid.txt"
    summary = _load(engine, path, registry_for(shared_data / "edi/x12/850/X12-Examples__PurchaseOrder.txt"))
    assert summary.outcome == "rejected" and summary.acks == []
    with engine.connect() as conn:
        (reason, stream) = conn.execute(sa.text("SELECT reason, stream FROM dead_letters")).one()
    assert stream == "unknown-partner" and "unknown trading partner" in reason and "INVALID1" in reason


def test_a_dead_letter_replays_after_the_partner_s_code_list_is_fixed(engine, shared_data: Path) -> None:
    path = shared_data / "edi/x12/214/module-ballerina-edi__message.edi"
    summary = _load(engine, path, registry_for(path))
    assert summary.outcome == "rejected" and "unknown code 'K2'" in summary.reasons[0]
    still = replay_dead_letters(engine, lambda source, stream: EdiReplay(stream, registry_for(path)), now=lambda: NOW)
    assert (still.replayed, still.failed) == (0, 1)
    fixed = registry_for(path, codes={"at7_status": {"K2": "in_transit"}})
    done = replay_dead_letters(engine, lambda source, stream: EdiReplay(stream, fixed), now=lambda: NOW)
    assert (done.replayed, done.failed) == (1, 0)
    with engine.connect() as conn:   # the file's record follows its letters
        outcome, accepted, rejected, reason = conn.execute(sa.text(
            "SELECT outcome, accepted, rejected, reason FROM edi_files")).one()
    assert (outcome, accepted, rejected, reason) == ("accepted", summary.accepted + 1, summary.rejected - 1, None)
    # The carrier's tracking number is not known yet: the events wait, parked, for the shipment.
    statuses = {**codes.standard("x12")["at7_status"], "K2": "in_transit"}
    at7 = [s.split("*")[1] for s in path.read_text().split("~") if s.strip().startswith("AT7*")]
    assert _count(engine, "SELECT count(*) FROM parked_milestones") == sum(1 for c in at7 if statuses[c])
    assert _count(engine, "SELECT count(*) FROM dead_letters WHERE status = 'open'") == 0


def test_every_shared_file_loads_without_a_crash_and_negatives_leave_a_reason(engine, shared_data: Path) -> None:
    registry = sample_registry(shared_data)
    outcomes: dict[str, int] = {}
    for row in manifest(shared_data):
        summary = _load(engine, shared_data / row["file"], registry, name=row["file"])
        outcomes[summary.outcome] = outcomes.get(summary.outcome, 0) + 1
        if row["negative_test"] == "True":
            assert summary.duplicate or (summary.outcome != "accepted" and all(summary.reasons)), row["file"]
        elif not summary.duplicate:
            assert summary.transactions == int(row["transactions"]), row["file"]
    with engine.connect() as conn:
        empty = conn.execute(sa.text("SELECT count(*) FROM dead_letters WHERE reason = ''")).scalar_one()
    assert empty == 0 and outcomes.get("accepted", 0) > 50


def test_tower_edi_load_prints_a_line_per_file_and_exits_non_zero_on_rejects(db_url: str, shared_data: Path,
                                                                           tmp_path: Path) -> None:
    folder = shared_data / "edi" / "x12" / "214"
    env = {**os.environ, "TOWER_DATABASE_URL": db_url, "TOWER_DATA_DIR": str(tmp_path)}
    done = subprocess.run([sys.executable, "-m", "tower", "edi", "load", str(folder)], capture_output=True,
                          text=True, env=env, timeout=120)
    files = sorted(p for p in folder.iterdir() if p.is_file())
    assert done.returncode == 1, done.stderr
    lines = [l for l in done.stdout.splitlines() if not l.startswith("  ")]
    assert [l.split(":")[0] for l in lines[:-1]] == [str(p) for p in files]
    assert f"files {len(files)}: accepted 0" in lines[-1] and "Traceback" not in done.stderr
    # No sample sender is a sandbox partner: every file is refused, with the reason printed.
    assert done.stdout.count("unknown trading partner") == len(files)
    # Those rejects are dead letters of source "edi": the deadletters command lists them, and
    # says in words which sources have dead letters when asked for one that has none.
    listed = subprocess.run([sys.executable, "-m", "tower", "deadletters", "list", "--source", "edi", "--limit", "500"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert len(listed.stdout.splitlines()) == len(files) and all(" edi/" in l for l in listed.stdout.splitlines())
    unknown = subprocess.run([sys.executable, "-m", "tower", "deadletters", "list", "--source", "nowhere"],
                             capture_output=True, text=True, env=env, timeout=120)
    assert unknown.returncode == 1 and "sources with dead letters: edi" in unknown.stderr
