"""EDI transactions -> milestones, checked against what the sample files say when read by hand
(plain text searches here, not the parser), and every negative sample rejected with a reason."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from collectors.edi import codes
from collectors.edi.evaluate import judge
from collectors.edi.parse import parse_bytes
from tests.collectors.edi.samples import manifest, registry_for, sample_registry
from tower.store.milestone import normalise

EDI = Path("edi")


def _verdict(shared_data: Path, rel: str, **registry):
    path = shared_data / EDI / rel
    return judge(parse_bytes(path.read_bytes(), rel), registry_for(path, **registry)), path.read_text("utf-8-sig")


def _segments(text: str, terminator: str = "~") -> list[list[str]]:
    return [s.strip().split("*") for s in text.split(terminator) if s.strip()]


@pytest.mark.parametrize("rel", ["x12/214/EDI.Net__x12.214.edi", "x12/214/EDI.Net__214-MGCTLYST-SAMPLE.EDI"])
def test_a_214_gives_one_carrier_milestone_per_mapped_at7_in_time_order(shared_data: Path, rel: str) -> None:
    verdict, text = _verdict(shared_data, rel, time_zone="America/New_York")
    statuses = codes.standard("x12")["at7_status"]
    zones = codes.standard("x12")["time_codes"]
    expected = []
    for seg in _segments(text):
        if seg[0] == "AT7" and statuses.get(seg[1]):
            zone = ZoneInfo("America/New_York" if seg[7] == "LT" else zones[seg[7]])
            expected.append((datetime.strptime(seg[5] + seg[6], "%Y%m%d%H%M").replace(tzinfo=zone), seg[1]))
    b10 = next(seg for seg in _segments(text) if seg[0] == "B10")
    assert expected and verdict.rejected == 0
    got = [(datetime.fromisoformat(m.occurred_at), m.attrs["code"]) for m in verdict.milestones]
    assert got == sorted(expected)
    assert {m.ref.value for m in verdict.milestones} == {b10[1]}
    for milestone in verdict.milestones:
        normalise(milestone)   # the store would take it


def test_an_estimated_delivery_listed_before_the_pickup_still_comes_after_it(shared_data: Path) -> None:
    verdict, text = _verdict(shared_data, "x12/214/staedi__ts214_ellipses_segterm.edi")
    listed = [seg[1] for seg in _segments(text, "\u2026") if seg[0] == "AT7"]
    assert listed == ["AG", "AF"]          # the file lists the estimate first
    kinds = [(m.attrs["code"], m.kind) for m in verdict.milestones]
    assert kinds == [("AF", "carrier_pickup"), ("AG", "in_transit")]
    estimate = verdict.milestones[1]
    assert datetime.fromisoformat(estimate.attrs["estimated_delivery_at"]) == datetime(2020, 9, 11, 11, 59,
                                                                                       tzinfo=ZoneInfo("America/New_York"))


@pytest.mark.parametrize("rel", ["x12/856/node-x12__856.edi", "x12/856/X12Parser__edi1Source.txt",
                                 "x12/856/X12Parser__Example4.txt", "x12/856/X12Parser__FromGregarican.txt"])
def test_an_856_ships_each_order_with_its_shipment_id_and_hierarchy_counts(shared_data: Path, rel: str) -> None:
    verdict, text = _verdict(shared_data, rel, source="wms")
    segments = _segments(text)
    shipment = next(seg[2] for seg in segments if seg[0] == "BSN")
    levels: dict[str, int] = {}
    for seg in segments:
        if seg[0] == "HL":
            levels[seg[3]] = levels.get(seg[3], 0) + 1
    orders = [seg[1] for seg in segments if seg[0] == "PRF"]
    assert verdict.rejected == 0, [r.reason for r in verdict.results]
    assert {m.attrs["despatch_id"] for m in verdict.milestones} == {shipment}
    assert [m.order_id for m in verdict.milestones] == list(dict.fromkeys(orders))
    assert all(m.attrs["hl_counts"] == levels for m in verdict.milestones)
    items = sum(len(m.attrs["lines"]) for m in verdict.milestones)
    assert items == sum(1 for seg in segments if seg[0] == "LIN")


@pytest.mark.parametrize("rel", ["x12/810/X12-Examples__Invoice.txt", "x12/810/X12Parser__Example3_MultiInvoice.txt",
                                 "x12/810/staedi__simple810.edi", "x12/810/EDI.Net__x12.810a.edi"])
def test_an_810_gives_its_invoice_numbers_and_totals(shared_data: Path, rel: str) -> None:
    verdict, text = _verdict(shared_data, rel, source="finance")
    segments = _segments(text)
    invoices = [seg[2] for seg in segments if seg[0] == "BIG"]
    totals = [Decimal(seg[1]) / 100 for seg in segments if seg[0] == "TDS"]
    assert verdict.rejected == 0, [r.reason for r in verdict.results]
    assert [m.invoice_id for m in verdict.milestones] == invoices
    assert [Decimal(str(m.attrs["amount"])) for m in verdict.milestones] == totals
    assert [len(m.attrs["lines"]) for m in verdict.milestones] == [
        len(re.findall(r"(?m)^\s*IT1\*|~\s*IT1\*", block)) for block in re.split(r"ST\*810", text)[1:]]


def test_an_856_whose_group_count_is_wrong_is_rejected_with_the_ge_element(shared_data: Path) -> None:
    verdict, _ = _verdict(shared_data, "x12/856/X12-Examples__ShipNotice.txt", source="wms")
    (result,) = verdict.results
    assert not result.accepted and "segment 47 (GE), element 1: expected GE01 = 1 transaction sets" in result.reason


def test_an_unknown_status_code_rejects_the_transaction_and_a_partner_override_admits_it(shared_data: Path) -> None:
    rel = "x12/214/module-ballerina-edi__message.edi"
    verdict, _ = _verdict(shared_data, rel)
    (result,) = verdict.results
    assert not result.accepted and "unknown code 'K2' in AT701" in result.reason
    assert "segment 13 (AT7), element 1" in result.reason
    verdict, _ = _verdict(shared_data, rel, codes={"at7_status": {"K2": "in_transit"}})
    assert verdict.rejected == 0 and "K2" in [m.attrs["code"] for m in verdict.milestones]


def test_an_edifact_invoice_names_its_order_and_total(shared_data: Path) -> None:
    verdict, text = _verdict(shared_data, "edifact/INVOIC/EDIFACT-Examples__EDIFACT__Invoice.txt", source="finance")
    # This sample's UNZ counts two messages for one: the interchange is rejected, and says so.
    assert verdict.rejected == 1 and "UNZ01" in verdict.results[0].reason
    verdict, text = _verdict(shared_data, "edifact/INVOIC/staedi__invoic_d97b.edi", source="finance")
    segments = [s.strip() for s in text.split("'")]
    order = next(s.split(":")[1] for s in segments if s.startswith("RFF+ON:"))
    total = next(s.split(":")[1] for s in segments if s.startswith("MOA+39:") or s.startswith("MOA+77:"))
    (milestone,) = verdict.milestones
    assert milestone.order_id == order and Decimal(str(milestone.attrs["amount"])) == Decimal(total)


def test_every_negative_sample_is_rejected_with_a_reason_and_none_crashes(shared_data: Path) -> None:
    registry = sample_registry(shared_data)
    for row in manifest(shared_data):
        parsed = parse_bytes((shared_data / row["file"]).read_bytes(), row["file"])
        verdict = judge(parsed, registry)
        if row["negative_test"] == "True":
            reasons = [r.reason for r in verdict.results if not r.accepted]
            reasons += [verdict.file_rejected_reason()] if verdict.file_rejected_reason() else []
            assert reasons and all(reasons), row["file"]
        for result in verdict.results:
            assert result.accepted == (not result.errors)
