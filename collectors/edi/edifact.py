"""An EDIFACT reader: the service string advice (UNA, or the defaults), UNB/UNZ, UNG/UNE and
UNH/UNT with counts and references checked; the release character honoured.

Tokenising (delimiters, the release character, composites) is pydifact's; tower checks the
envelopes, because pydifact neither reports where a segment sits nor checks counts. Pure: text
in, `ParsedFile` out, every fault an `EdiError` at the level it rejects.
"""

from __future__ import annotations

import logging
from typing import Any

from pydifact.control import Characters
from pydifact.exceptions import EDISyntaxError as PydifactSyntaxError
from pydifact.parser import Parser
from pydifact.segments import Segment as PydifactSegment
from pydifact.segments import SegmentFactory

from collectors.edi.model import EdiError, Group, Interchange, Location, ParsedFile, Segment, Transaction

# pydifact logs the syntax identifier of every interchange at INFO: not news for an operator.
logging.getLogger("pydifact.parser").setLevel(logging.WARNING)

# CONTRL (0085) syntax error codes used below.
UNSUPPORTED_SEGMENT, MISSING, COUNT_MISMATCH, REF_MISMATCH, DUPLICATE = "14", "13", "26", "28", "26"


class _PlainFactory(SegmentFactory):
    """Segments without pydifact's per-directory XML validation (it warns on every segment for
    the directories it lacks, and tower checks what it needs itself)."""

    @staticmethod
    def create_segment(name: str, *elements: Any, validate: bool = False, version: str = "",
                       directory: str = "") -> PydifactSegment:
        return PydifactSegment(name, *elements)


def looks_like_edifact(text: str) -> bool:
    head = text.lstrip("\ufeff \t\r\n")
    return head.startswith("UNA") or head.startswith("UNB")


def characters(text: str) -> dict[str, str]:
    text = text.lstrip("\ufeff \t\r\n")
    chars = (Parser.get_control_characters(text) if text.startswith("UNA") else None) or Characters()
    return {"component": chars.component_separator, "element": chars.data_separator,
            "decimal": chars.decimal_point, "release": chars.escape_character,
            "terminator": chars.segment_terminator}


def tokenise(text: str, name: str = "") -> tuple[list[Segment], EdiError | None]:
    """The file's segments (UNA dropped), and the syntax error that stopped reading, if any."""
    text = text.lstrip("\ufeff \t\r\n")
    segments: list[Segment] = []
    try:
        for seg in Parser(factory=_PlainFactory()).parse(text):
            if seg.tag == "UNA":
                continue
            elements = [e if isinstance(e, list) else e for e in seg.elements]
            segments.append(Segment(seg.tag.strip(), elements, len(segments) + 1))
    except (PydifactSyntaxError, IndexError, ValueError, TypeError) as exc:
        nxt = len(segments) + 1
        detail = str(exc).replace("EDIFACT Syntax Error: ", "")
        return segments, EdiError("interchange", "syntax", f"unreadable segment after segment {nxt - 1}: {detail}",
                                  Location(file=name, segment_position=nxt, file_segment=nxt), ack_code="12")
    return segments, None


def parse(text: str, name: str = "") -> ParsedFile:
    """Parse EDIFACT text; see the module docstring."""
    out = ParsedFile(name=name, standard="EDIFACT")
    segments, error = tokenise(text, name)
    out.segment_count = len(segments)
    walker = _Envelopes(out, segments, characters(text))
    walker.run()
    if error is not None:
        # The rest of the file cannot be read: reject the interchange it fell in, for that
        # reason (not for the trailers that could not be reached).
        if out.interchanges:
            last = out.interchanges[-1]
            last.errors[:] = [e for e in last.errors if e.code not in ("missing_unz", "missing_une", "missing_unt")]
            for group in last.groups:
                group.errors[:] = [e for e in group.errors if e.code != "missing_une"]
                for tx in group.transactions:
                    tx.errors[:] = [e for e in tx.errors if e.code != "missing_unt"]
            last.errors.append(error)
        else:
            out.errors.append(EdiError("file", error.code, error.message, error.location, error.ack_code))
    return out


class _Envelopes:
    def __init__(self, out: ParsedFile, segments: list[Segment], delimiters: dict[str, str]) -> None:
        self.out, self.segments, self.delimiters = out, segments, delimiters
        self.i = 0

    def loc(self, seg: Segment | None, ic: Interchange | None = None, group: Group | None = None,
            tx: Transaction | None = None, element: int | None = None) -> Location:
        position = None
        if seg is not None:
            position = seg.file_index - tx.segments[0].file_index + 1 if tx else seg.file_index
        return Location(file=self.out.name, interchange=ic.control if ic else None,
                        group=None if group is None or group.implicit else group.control,
                        transaction=tx.name if tx else None, segment_position=position,
                        segment_tag=seg.tag if seg else None, element=element,
                        file_segment=seg.file_index if seg else None)

    def run(self) -> None:
        seen: set[str] = set()
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag != "UNB":
                self.out.errors.append(EdiError("file", "outside_interchange",
                                                f"expected UNB to open an interchange, found {seg.tag!r}",
                                                self.loc(seg), ack_code="14"))
                self.i += 1
                continue
            ic = self.interchange(seg)
            if ic.control in seen:
                ic.errors.append(EdiError("interchange", "duplicate_interchange",
                                          f"expected a new interchange control reference, {ic.control} was already used in this file",
                                          self.loc(seg, ic, element=5), ack_code="26"))
            seen.add(ic.control)
            self.out.interchanges.append(ic)

    def interchange(self, unb: Segment) -> Interchange:
        ic = Interchange("EDIFACT", unb.el(5), unb.comp(2, 2), unb.comp(2, 1), unb.comp(3, 2), unb.comp(3, 1),
                         date=unb.comp(4, 1), time=unb.comp(4, 2), test=unb.el(11) == "1",
                         version=f"{unb.comp(1, 1)}:{unb.comp(1, 2)}", delimiters=self.delimiters, header=unb)
        for position, what in ((1, "syntax identifier"), (2, "sender"), (3, "recipient"), (5, "control reference")):
            if not unb.el(position):
                ic.errors.append(EdiError("interchange", "missing_element", f"expected the UNB {what} (element {position})",
                                          self.loc(unb, ic, element=position), ack_code="12"))
        self.i += 1
        implicit = Group("", "", implicit=True)
        seen_groups: set[str] = set()
        seen_messages: set[str] = set()
        explicit = 0
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag == "UNZ":
                self.i += 1
                if implicit.transactions:
                    ic.groups.insert(0, implicit)
                expected = explicit if explicit else len(implicit.transactions)
                if seg.el(2) != ic.control:
                    ic.errors.append(EdiError("interchange", "unz_reference_mismatch",
                                              f"expected UNZ02 = UNB control reference {ic.control!r}, found {seg.el(2)!r}",
                                              self.loc(seg, ic, element=2), ack_code="28"))
                if seg.el(1) != str(expected):
                    what = "groups" if explicit else "messages"
                    ic.errors.append(EdiError("interchange", "unz_count_mismatch",
                                              f"expected UNZ01 = {expected} {what}, found {seg.el(1)!r}",
                                              self.loc(seg, ic, element=1), ack_code="26"))
                return ic
            if seg.tag == "UNB":
                break
            if seg.tag == "UNG":
                group = self.group(seg, ic, seen_messages)
                explicit += 1
                if group.control in seen_groups:
                    group.errors.append(EdiError("group", "duplicate_group",
                                                 f"expected a new group reference, {group.control} was already used in this interchange",
                                                 self.loc(seg, ic, group, element=5), ack_code="26"))
                seen_groups.add(group.control)
                ic.groups.append(group)
                continue
            if seg.tag == "UNH":
                implicit.transactions.append(self.message(seg, ic, implicit, seen_messages))
                continue
            ic.errors.append(EdiError("interchange", "unexpected_segment", f"expected UNH, UNG or UNZ, found {seg.tag!r}",
                                      self.loc(seg, ic), ack_code="14"))
            self.i += 1
        if implicit.transactions:
            ic.groups.insert(0, implicit)
        ic.errors.append(EdiError("interchange", "missing_unz", f"expected UNZ to close interchange {ic.control}",
                                  self.loc(self.segments[self.i - 1], ic), ack_code="13"))
        return ic

    def group(self, ung: Segment, ic: Interchange, seen_messages: set[str]) -> Group:
        group = Group(ung.el(1), ung.el(5), ung.comp(2, 1), ung.comp(3, 1), ung.comp(7, 1), header=ung)
        self.i += 1
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag == "UNE":
                self.i += 1
                if seg.el(2) != group.control:
                    group.errors.append(EdiError("group", "une_reference_mismatch",
                                                 f"expected UNE02 = UNG reference {group.control!r}, found {seg.el(2)!r}",
                                                 self.loc(seg, ic, group, element=2), ack_code="28"))
                if seg.el(1) != str(len(group.transactions)):
                    group.errors.append(EdiError("group", "une_count_mismatch",
                                                 f"expected UNE01 = {len(group.transactions)} messages, found {seg.el(1)!r}",
                                                 self.loc(seg, ic, group, element=1), ack_code="26"))
                return group
            if seg.tag in ("UNG", "UNZ", "UNB"):
                break
            if seg.tag == "UNH":
                group.transactions.append(self.message(seg, ic, group, seen_messages))
                continue
            group.errors.append(EdiError("group", "unexpected_segment", f"expected UNH or UNE, found {seg.tag!r}",
                                         self.loc(seg, ic, group), ack_code="14"))
            self.i += 1
        group.errors.append(EdiError("group", "missing_une", f"expected UNE to close group {group.control}",
                                     self.loc(self.segments[self.i - 1], ic, group), ack_code="13"))
        return group

    def message(self, unh: Segment, ic: Interchange, group: Group, seen: set[str]) -> Transaction:
        version = ":".join(p for p in (unh.comp(2, 2), unh.comp(2, 3), unh.comp(2, 4)) if p)
        tx = Transaction("EDIFACT", unh.comp(2, 1), unh.el(1), [unh], version=version)
        if not tx.set_id or not tx.control:
            tx.errors.append(EdiError("transaction", "missing_element",
                                      "expected UNH to name the message reference (element 1) and type (element 2)",
                                      self.loc(unh, ic, group, tx, element=1 if not tx.control else 2),
                                      ack_code="12", ack_segment_code="UNH"))
        if tx.control and tx.control in seen:
            tx.errors.append(EdiError("transaction", "duplicate_transaction",
                                      f"expected a new message reference, {tx.control} was already used in this interchange",
                                      self.loc(unh, ic, group, tx, element=1), ack_code="26"))
        seen.add(tx.control)
        self.i += 1
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag in ("UNH", "UNE", "UNG", "UNZ", "UNB"):
                break
            tx.segments.append(seg)
            self.i += 1
            if seg.tag == "UNT":
                if seg.el(2) != tx.control:
                    tx.errors.append(EdiError("transaction", "unt_reference_mismatch",
                                              f"expected UNT02 = UNH reference {tx.control!r}, found {seg.el(2)!r}",
                                              self.loc(seg, ic, group, tx, element=2), ack_code="28"))
                if seg.el(1) != str(len(tx.segments)):
                    tx.errors.append(EdiError("transaction", "unt_count_mismatch",
                                              f"expected UNT01 = {len(tx.segments)} segments, found {seg.el(1)!r}",
                                              self.loc(seg, ic, group, tx, element=1), ack_code="26"))
                return tx
            if not seg.tag.isalnum() or len(seg.tag) != 3:
                tx.errors.append(EdiError("transaction", "bad_segment_tag",
                                          f"expected a three-letter segment tag, found {seg.tag!r}",
                                          self.loc(seg, ic, group, tx), ack_code="14"))
        tx.errors.append(EdiError("transaction", "missing_unt", f"expected UNT to close message {tx.name}",
                                  self.loc(tx.segments[-1], ic, group, tx), ack_code="13"))
        return tx
