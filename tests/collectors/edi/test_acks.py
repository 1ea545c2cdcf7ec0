"""997 and CONTRL acknowledgements built from a verdict, read back with tower's own parsers."""

from __future__ import annotations

import itertools
from datetime import datetime, timezone
from pathlib import Path

from collectors.edi import acks
from collectors.edi.evaluate import judge
from collectors.edi.parse import parse_bytes, parse_text
from tests.collectors.edi.samples import registry_for

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)


def _ack(shared_data: Path, rel: str, **registry):
    path = shared_data / "edi" / rel
    verdict = judge(parse_bytes(path.read_bytes(), rel), registry_for(path, **registry))
    return verdict, acks.acknowledgements(verdict, itertools.count(1000).__next__, NOW)


def test_the_997_for_a_rejected_transaction_names_the_transaction_and_segment(shared_data: Path) -> None:
    verdict, (ack,) = _ack(shared_data, "x12/214/module-ballerina-edi__message.edi")
    parsed = parse_text(ack.text)
    assert parsed.all_errors() == []          # a well-formed 997 by tower's own parser
    (_, group, tx), = parsed.transactions()
    assert group.functional_id == "FA" and tx.set_id == "997"
    tags = {s.tag: s for s in tx.segments}
    assert (tags["AK2"].el(1), tags["AK2"].el(2)) == ("214", "052150001")
    assert (tags["AK3"].el(1), tags["AK3"].el(2)) == ("AT7", "13")
    assert (tags["AK4"].el(1), tags["AK4"].el(3)) == ("1", "7")     # element 1, invalid code value
    assert (tags["AK5"].el(1), tags["AK9"].el(1)) == ("R", "R")
    assert ack.rejected == 1
    # Sent back: sender and receiver swapped.
    (ic,) = parsed.interchanges
    assert ic.receiver_id == verdict.parsed.interchanges[0].sender_id


def test_a_997_accepts_a_good_group_and_counts_its_transactions(shared_data: Path) -> None:
    _, (ack,) = _ack(shared_data, "x12/810/X12Parser__Example3_MultiInvoice.txt", source="finance")
    (_, _, tx), = parse_text(ack.text).transactions()
    ak9 = tx.find("AK9")
    assert [s.el(1) for s in tx.all("AK5")] == ["A", "A"]
    assert (ak9.el(1), ak9.el(2), ak9.el(3), ak9.el(4)) == ("A", "2", "2", "2")


def test_a_partially_accepted_group_is_reported_as_such(shared_data: Path) -> None:
    _, (ack,) = _ack(shared_data, "x12/850/X12-Examples__DuplicateMessage.txt", source="erp")
    (_, _, tx), = parse_text(ack.text).transactions()
    assert [s.el(1) for s in tx.all("AK5")] == ["A", "R"]
    assert tx.all("AK5")[1].el(2) == "23"       # control number not unique within the group
    assert tx.find("AK9").el(1) == "P"


def test_a_contrl_names_the_rejected_message_segment_and_element(shared_data: Path) -> None:
    _, (ack,) = _ack(shared_data, "edifact/INVOIC/staedi__invoic_d97b_bad.edi", source="finance")
    parsed = parse_text(ack.text)
    assert parsed.all_errors() == []
    (_, _, tx), = parsed.transactions()
    assert tx.set_id == "CONTRL"
    ucm, ucs, ucd = tx.find("UCM"), tx.find("UCS"), tx.find("UCD")
    assert (ucm.el(1), ucm.el(3)) == ("00000000000117", "4")
    assert ucs.el(1) == "10" and ucd.el(2) == "1"    # QTY is segment 10 of the message


def test_an_unknown_partner_gets_no_acknowledgement(shared_data: Path) -> None:
    path = shared_data / "edi" / "x12/850/X12-Examples__PurchaseOrderInvalid.txt"
    verdict = judge(parse_bytes(path.read_bytes(), path.name),
                    registry_for(shared_data / "edi" / "x12/850/X12-Examples__PurchaseOrder.txt"))
    assert verdict.rejected == 1 and acks.acknowledgements(verdict, itertools.count(1).__next__, NOW) == []
