"""The X12 and EDIFACT parsers: delimiters, envelopes, counts, and where errors are reported."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from collectors.edi import edifact, x12
from collectors.edi.parse import parse_bytes, parse_text

ISA = "ISA*00*          *00*          *ZZ*SENDER         *ZZ*RECEIVER       *240101*1200*U*00401*000000001*0*P*>"


def _x12(body: list[str], terminator: str = "~", newline: str = "", se_count: int | None = None) -> str:
    st = ["ST*214*0001", *body]
    st.append(f"SE*{se_count if se_count is not None else len(st) + 1}*0001")
    segments = [ISA, "GS*QM*SENDER*RECEIVER*20240101*1200*1*X*004010", *st, "GE*1*1", "IEA*1*000000001"]
    return "".join(s + terminator + newline for s in segments)


@pytest.mark.parametrize("terminator,newline", [("~", ""), ("~", "\r\n"), ("\n", ""), ("'", "\n"), ("|", "")])
def test_x12_takes_its_delimiters_from_the_isa(terminator: str, newline: str) -> None:
    parsed = x12.parse(_x12(["B10*REF1*SHIP1*SCAC"], terminator, newline))
    assert parsed.all_errors() == []
    (_, _, tx), = parsed.transactions()
    assert tx.set_id == "214" and tx.control == "0001"
    assert tx.find("B10").el(2) == "SHIP1"
    assert parsed.interchanges[0].delimiters["terminator"] == terminator


def test_an_isa_split_across_lines_between_elements_still_parses() -> None:
    text = _x12(["B10*REF1*SHIP1*SCAC"]).replace("*ZZ*RECEIVER", "*\nZZ*RECEIVER", 1)
    parsed = x12.parse(text)
    assert parsed.all_errors() == []
    assert parsed.interchanges[0].receiver_id == "RECEIVER"


def test_a_line_break_inside_an_element_value_is_reported_where_it_is() -> None:
    text = _x12(["B10*RE\nF1*SHIP1*SCAC"])
    (error,) = x12.parse(text, "wrapped.edi").all_errors()
    assert error.code == "line_break_in_element"
    assert error.location.transaction == "214 0001"
    assert (error.location.segment_position, error.location.segment_tag, error.location.element) == (2, "B10", 1)


def test_a_wrong_segment_count_rejects_the_transaction_and_names_the_se_element() -> None:
    (error,) = x12.parse(_x12(["B10*REF1*SHIP1*SCAC"], se_count=9), "f.edi").all_errors()
    assert error.level == "transaction" and error.ack_code == "4"
    assert error.location.segment_tag == "SE" and error.location.element == 1
    assert "expected SE01 = 3" in str(error) and "file f.edi" in str(error)


def test_a_wrong_group_control_number_rejects_the_group() -> None:
    text = _x12(["B10*REF1*SHIP1*SCAC"]).replace("GE*1*1", "GE*1*7")
    (error,) = x12.parse(text).all_errors()
    assert error.level == "group" and error.code == "ge_control_mismatch"


def test_a_missing_iea_is_an_interchange_error() -> None:
    text = _x12(["B10*REF1*SHIP1*SCAC"]).replace("IEA*1*000000001~", "")
    assert [e.code for e in x12.parse(text).all_errors()] == ["missing_iea"]


def test_a_file_that_is_not_edi_says_what_it_starts_with() -> None:
    (error,) = parse_text("hello world").all_errors()
    assert error.code == "not_edi" and "hello" in error.message


EDIFACT = ("UNB+UNOA:3+SENDER:ZZ+RECEIVER:ZZ+240101:1200+REF1'"
           "UNH+1+IFTSTA:D:01B:UN'BGM+23+DOC?+1+9'STS+1+21'UNT+4+1'UNZ+1+REF1'")


def test_edifact_uses_the_default_characters_without_una_and_honours_the_release_character() -> None:
    parsed = edifact.parse(EDIFACT)
    assert parsed.all_errors() == []
    (ic, _, tx), = parsed.transactions()
    assert (ic.sender_id, ic.sender_qualifier, ic.control) == ("SENDER", "ZZ", "REF1")
    assert tx.set_id == "IFTSTA" and tx.find("BGM").el(2) == "DOC+1"


def test_edifact_reads_the_una_service_string_advice() -> None:
    text = "UNA|^.? !" + EDIFACT.replace("+", "^").replace("'", "!").replace(":", "|")
    parsed = edifact.parse(text.replace("DOC?^1", "DOC?^1"))
    assert parsed.all_errors() == []
    assert edifact.characters(text)["terminator"] == "!"


def test_edifact_counts_and_references_are_checked() -> None:
    errors = edifact.parse(EDIFACT.replace("UNT+4+1", "UNT+5+2")).all_errors()
    assert sorted(e.code for e in errors) == ["unt_count_mismatch", "unt_reference_mismatch"]
    assert all(e.location.transaction == "IFTSTA 1" and e.location.segment_position == 4 for e in errors)


def _manifest(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "edi" / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_shared_file_parses_without_a_crash_into_the_transactions_it_holds(shared_data: Path) -> None:
    rows = _manifest(shared_data)
    assert len(rows) > 100
    wrong = []
    for row in rows:
        parsed = parse_bytes((shared_data / row["file"]).read_bytes(), row["file"])
        found = sum(1 for _ in parsed.transactions())
        if row["negative_test"] != "True" and found != int(row["transactions"]):
            wrong.append((row["file"], found, row["transactions"]))
        if found != int(row["transactions"]):
            # A negative file may lose transactions, but never silently.
            assert parsed.all_errors(), row["file"]
    assert wrong == []


def test_an_unreadable_edifact_segment_rejects_its_interchange_for_that_reason() -> None:
    parsed = edifact.parse(EDIFACT.replace("STS+1+21'", "NH+1+21'"), "bad.edi")
    (error,) = parsed.all_errors()          # not also "missing UNT/UNZ": those were never reached
    assert (error.level, error.code, error.location.segment_position) == ("interchange", "syntax", 4)
    assert "'NH'" in error.message and "file bad.edi" in str(error)
