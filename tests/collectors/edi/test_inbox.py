"""The watched drop folders: read, recorded, acknowledged, archived; shown on /integrations."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from collectors.edi import inbox, partners
from tower import config
from tower.data import edi as edi_data

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


def ship_notice(shipment: str, order: str, isa_control: int = 1) -> str:
    """A small 856 from the sandbox 3PL (its ids from the shipped partner registry)."""
    body = [f"BSN*00*{shipment}*20260105*0915", "HL*1**S", "TD5*B*2*SBXC", f"REF*CN*TRK{shipment}",
            "HL*2*1*O", f"PRF*{order}", "HL*3*2*I", "LIN*1*SK*SKU-1", "SN1**4*EA"]
    st = ["ST*856*0001", *body, f"SE*{len(body) + 2}*0001"]
    return "~".join([f"ISA*00*          *00*          *ZZ*SBX3PL         *ZZ*TOWERDIST      *260105*0915*U*00401*"
                     f"{isa_control:09d}*0*P*>", "GS*SH*SBX3PL*TOWERDIST*20260105*0915*1*X*004010", *st, "GE*1*1",
                     f"IEA*1*{isa_control:09d}"]) + "~"


def _settings(tmp_path: Path) -> config.IntakeSettings:
    return config.load({"TOWER_DATA_DIR": str(tmp_path)}).intake


def test_the_inbox_loads_each_finished_file_once_acknowledges_and_archives_it(engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    drop = settings.inbox / "sandbox-3pl"
    drop.mkdir(parents=True)
    (drop / "asn-1.x12").write_text(ship_notice("S1", "SO-1"))
    (drop / "asn-1-again.x12").write_text(ship_notice("S1", "SO-1"))     # the same file, dropped twice
    (drop / "asn-2.x12.part").write_text(ship_notice("S2", "SO-2", 2))   # still uploading
    summaries = inbox.poll(engine, settings, partners.load(), now=lambda: NOW)
    first, second = summaries
    assert (first.duplicate, first.outcome, second.duplicate) == (False, "accepted", True)
    assert [p.name for p in drop.iterdir()] == ["asn-2.x12.part"]
    archived = sorted(p.name for p in (settings.archive / "sandbox-3pl" / "2026-01-05").iterdir())
    assert archived == ["asn-1-again.x12", "asn-1.x12"]
    (ack,) = list((settings.outbox / "sandbox-3pl").iterdir())
    assert "AK5*A" in ack.read_text()
    with engine.connect() as conn:
        (row,) = edi_data.partner_files(conn=conn).itertuples()
    assert (row.partner_id, row.files, row.transactions, row.rejected, row.duplicates) == ("sandbox-3pl", 1, 1, 0, 1)
    assert row.last_outcome == "accepted"


def test_a_file_in_a_partner_s_folder_from_another_sender_is_refused(engine, tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    drop = settings.inbox / "sandbox-carrier"
    drop.mkdir(parents=True)
    (drop / "asn.x12").write_text(ship_notice("S9", "SO-9"))
    (summary,) = inbox.poll(engine, settings, partners.load(), now=lambda: NOW)
    assert summary.outcome == "rejected"
    assert "is partner 'sandbox-3pl', not 'sandbox-carrier'" in summary.reasons[0]


def test_the_collector_process_schedules_the_inbox(engine, tmp_path: Path) -> None:
    from collectors import scheduler
    from tower.rules.policy import cached

    names = [name for name, _, _ in scheduler.housekeeping_jobs(engine, cached(), _settings(tmp_path))]
    assert "edi-inbox" in names


def test_a_malformed_partner_file_stops_the_collector_with_a_plain_error(engine, tmp_path: Path) -> None:
    import pytest

    from tower.config import ConfigError

    bad = tmp_path / "partners.yaml"
    bad.write_text("partners:\n  - id: acme\n    standard: X12\n    source: nowhere\n")
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_EDI_PARTNERS": str(bad)}).intake
    with pytest.raises(ConfigError, match="source must be one of"):
        inbox.partner_registry(settings)
