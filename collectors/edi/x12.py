"""An X12 parser: delimiters from the ISA, envelopes ISA/IEA, GS/GE and ST/SE checked.

Pure: text in, `ParsedFile` out; nothing is raised for bad input, every fault becomes an
`EdiError` at the level it rejects (interchange, group or transaction), so the good parts of
a file still go in where the standard allows.

Delimiters come from the ISA, which is fixed-width in theory and often not in practice: the
element separator is the character after "ISA"; the component separator (ISA16) is the
character after the sixteenth element separator, and the segment terminator the one after that.
Line breaks are tolerated anywhere when the terminator is not itself a line break (files
wrapped at 80 columns, ISA split across lines, pretty-printed indentation); when the terminator
is a space, only "space + line break" ends a segment, because spaces also occur in data.
"""

from __future__ import annotations

from collectors.edi.model import EdiError, Group, Interchange, Location, ParsedFile, Segment, Transaction

_NEWLINES = "\r\n"
# Interchange-level service segments that may sit between ISA and GS (grade of service,
# deferred delivery, interchange acknowledgements).
_INTERCHANGE_SERVICE = frozenset({"ISB", "ISE", "TA1", "TA3"})


def _broken(seg: Segment, location: Location, code: str, segment_code: str | None = None,
            element_code: str | None = None) -> EdiError:
    return EdiError("interchange" if seg.tag == "ISA" else "transaction", "line_break_in_element",
                    "expected no line break inside an element value (was the file wrapped at a fixed width?)",
                    location, ack_code=code, ack_segment_code=segment_code, ack_element_code=element_code)


def looks_like_x12(text: str) -> bool:
    return text.lstrip("\ufeff \t\r\n").startswith("ISA")


def _delimiters(text: str) -> tuple[str, str, str | None, str, int] | EdiError:
    """(element, component, repetition, terminator, end of the ISA) or the error."""
    if len(text) < 4 or not text.startswith("ISA"):
        return EdiError("file", "no_isa", "expected the file to start with an ISA segment",
                        Location(segment_position=1, segment_tag="ISA"), ack_code="TA1:022")
    element = text[3]
    if element.isalnum() or element in _NEWLINES or element == " ":
        return EdiError("file", "bad_element_separator",
                        f"expected a punctuation character as element separator after 'ISA', found {element!r}",
                        Location(segment_position=1, segment_tag="ISA", element=0))
    values: list[str] = []
    current: list[str] = []
    i = 4
    while i < len(text) and len(values) < 15:
        ch = text[i]
        if ch == element:
            values.append("".join(current))
            current = []
        elif ch not in _NEWLINES:
            current.append(ch)
        i += 1
    # i is just past the sixteenth separator: ISA16 follows (line breaks skipped).
    while i < len(text) and text[i] in _NEWLINES:
        i += 1
    if len(values) < 15 or i >= len(text):
        return EdiError("file", "short_isa",
                        f"expected 16 ISA elements separated by {element!r}, found {len(values) + 1}",
                        Location(segment_position=1, segment_tag="ISA"), ack_code="TA1:024")
    component = text[i]
    i += 1
    if i >= len(text):
        return EdiError("file", "no_terminator", "expected a segment terminator after ISA16",
                        Location(segment_position=1, segment_tag="ISA", element=16))
    terminator = text[i]
    if terminator in _NEWLINES:
        j = i
        while j < len(text) and text[j] in _NEWLINES:
            j += 1
        nxt = text[j:j + 1]
        if nxt and not nxt.isalnum() and nxt not in " \t":
            terminator, i = nxt, j          # the line break only wrapped the ISA
        elif text[i:i + 2] == "\r\n":
            terminator = "\n"
    version = values[11] if len(values) > 11 else ""
    rep = values[10] if len(values) > 10 else ""
    repetition = rep if (version >= "00402" and len(rep) == 1 and not rep.isalnum()) else None
    return element, component, repetition, terminator, i + 1


def split_segments(text: str) -> tuple[list[tuple[list[str], int | None]], dict[str, str]] | EdiError:
    """The file's segments as (elements with the tag first, the position of an element that held
    a line break inside its value or None), and the delimiters found. A line break next to a
    separator is layout; one inside a value means the file was wrapped at a fixed width, which
    changes data, so it is reported rather than silently joined."""
    text = text.lstrip("\ufeff \t\r\n")
    found = _delimiters(text)
    if isinstance(found, EdiError):
        return found
    element, component, repetition, terminator, _ = found
    if terminator in _NEWLINES:
        chunks = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    elif terminator == " ":
        chunks = text.replace("\r\n", "\n").split(" \n")
    else:
        chunks = text.split(terminator)
    segments = []
    for chunk in chunks:
        chunk = chunk.lstrip(" \t\r\n").rstrip("\r\n")
        if chunk.strip() == "":
            continue
        parts = chunk.split(element)
        broken = None
        if "\n" in chunk or "\r" in chunk:
            for n, value in enumerate(parts):
                if "\n" in value or "\r" in value:
                    inner = value.strip("\r\n")
                    if ("\n" in inner or "\r" in inner) and broken is None:
                        broken = n
                    parts[n] = inner.replace("\r", "").replace("\n", "")
        segments.append((parts, broken))
    delimiters = {"element": element, "component": component, "terminator": terminator,
                  "repetition": repetition or ""}
    return segments, delimiters


def parse(text: str, name: str = "") -> ParsedFile:
    """Parse X12 text; see the module docstring."""
    out = ParsedFile(name=name, standard="X12")
    split = split_segments(text)
    if isinstance(split, EdiError):
        out.errors.append(_at_file(split, name))
        return out
    raw_segments, delimiters = split
    out.segment_count = len(raw_segments)
    segments = [Segment(parts[0].strip(), parts[1:], n, delimiters["component"], delimiters["repetition"] or None,
                        broken_element=broken)
                for n, (parts, broken) in enumerate(raw_segments, start=1)]
    _Envelopes(out, segments, delimiters).run()
    return out


def _at_file(error: EdiError, name: str) -> EdiError:
    loc = error.location
    return EdiError(error.level, error.code, error.message,
                    Location(file=name, interchange=loc.interchange, group=loc.group,
                             transaction=loc.transaction, segment_position=loc.segment_position,
                             segment_tag=loc.segment_tag, element=loc.element, file_segment=loc.file_segment),
                    error.ack_code, error.ack_segment_code, error.ack_element_code)


class _Envelopes:
    """Walks the segment list once, building interchanges, groups and transactions."""

    def __init__(self, out: ParsedFile, segments: list[Segment], delimiters: dict[str, str]) -> None:
        self.out, self.segments, self.delimiters = out, segments, delimiters
        self.i = 0

    def loc(self, seg: Segment | None, interchange: Interchange | None = None, group: Group | None = None,
            transaction: Transaction | None = None, element: int | None = None) -> Location:
        position = None
        if seg is not None:
            position = (seg.file_index - transaction.segments[0].file_index + 1) if transaction else seg.file_index
        return Location(file=self.out.name, interchange=interchange.control if interchange else None,
                        group=group.control if group else None,
                        transaction=transaction.name if transaction else None,
                        segment_position=position, segment_tag=seg.tag if seg else None,
                        element=element, file_segment=seg.file_index if seg else None)

    def run(self) -> None:
        seen: set[str] = set()
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag != "ISA":
                self.out.errors.append(EdiError(
                    "file", "outside_interchange",
                    f"expected ISA to open an interchange, found {seg.tag!r}", self.loc(seg)))
                self.i += 1
                continue
            interchange = self.interchange(seg)
            if interchange.control in seen:
                interchange.errors.append(EdiError(
                    "interchange", "duplicate_interchange",
                    f"expected a new interchange control number, {interchange.control} was already used in this file",
                    self.loc(seg, interchange, element=13), ack_code="TA1:025"))
            seen.add(interchange.control)
            self.out.interchanges.append(interchange)

    def interchange(self, isa: Segment) -> Interchange:
        e = isa.el
        ic = Interchange("X12", e(13).strip(), e(5).strip(), e(6).strip(), e(7).strip(), e(8).strip(),
                         date=e(9), time=e(10), test=e(15).strip() == "T", version=e(12),
                         delimiters=self.delimiters, header=isa)
        if len(isa.elements) < 16:
            ic.errors.append(EdiError("interchange", "short_isa", f"expected 16 ISA elements, found {len(isa.elements)}",
                                      self.loc(isa, ic), ack_code="TA1:024"))
        if not ic.control.isdigit():
            ic.errors.append(EdiError("interchange", "bad_control",
                                      f"expected a numeric interchange control number (ISA13), found {ic.control!r}",
                                      self.loc(isa, ic, element=13), ack_code="TA1:018"))
        if isa.broken_element is not None:
            ic.errors.append(_broken(isa, self.loc(isa, ic, element=isa.broken_element), "TA1:024"))
        self.i += 1
        groups_seen: set[str] = set()
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag == "IEA":
                self.i += 1
                if seg.el(2).strip() != ic.control:
                    ic.errors.append(EdiError("interchange", "iea_control_mismatch",
                                              f"expected IEA02 = ISA13 {ic.control!r}, found {seg.el(2)!r}",
                                              self.loc(seg, ic, element=2), ack_code="TA1:001"))
                if seg.el(1).strip() != str(len(ic.groups)):
                    ic.errors.append(EdiError("interchange", "iea_count_mismatch",
                                              f"expected IEA01 = {len(ic.groups)} functional groups, found {seg.el(1)!r}",
                                              self.loc(seg, ic, element=1), ack_code="TA1:021"))
                return ic
            if seg.tag == "ISA":
                break
            if seg.tag == "GS":
                group = self.group(seg, ic)
                if group.control in groups_seen:
                    group.errors.append(EdiError("group", "duplicate_group",
                                                 f"expected a new group control number, {group.control} "
                                                 "was already used in this interchange",
                                                 self.loc(seg, ic, group, element=6), ack_code="19"))
                groups_seen.add(group.control)
                ic.groups.append(group)
                continue
            if seg.tag in _INTERCHANGE_SERVICE:
                self.i += 1
                continue
            ic.errors.append(EdiError("interchange", "unexpected_segment",
                                      f"expected GS or IEA, found {seg.tag!r}", self.loc(seg, ic),
                                      ack_code="TA1:024"))
            self.i += 1
        ic.errors.append(EdiError("interchange", "missing_iea",
                                  f"expected IEA to close interchange {ic.control}, found "
                                  + ("the next ISA" if self.i < len(self.segments) else "the end of the file"),
                                  self.loc(self.segments[self.i - 1], ic), ack_code="TA1:023"))
        return ic

    def group(self, gs: Segment, ic: Interchange) -> Group:
        group = Group(gs.el(1), gs.el(6).strip(), gs.el(2).strip(), gs.el(3).strip(), gs.el(8).strip(), header=gs)
        self.i += 1
        seen: set[str] = set()
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag == "GE":
                self.i += 1
                if seg.el(2).strip() != group.control:
                    group.errors.append(EdiError("group", "ge_control_mismatch",
                                                 f"expected GE02 = GS06 {group.control!r}, found {seg.el(2)!r}",
                                                 self.loc(seg, ic, group, element=2), ack_code="4"))
                if seg.el(1).strip() != str(len(group.transactions)):
                    group.errors.append(EdiError("group", "ge_count_mismatch",
                                                 f"expected GE01 = {len(group.transactions)} transaction sets, found {seg.el(1)!r}",
                                                 self.loc(seg, ic, group, element=1), ack_code="5"))
                return group
            if seg.tag in ("GS", "IEA", "ISA"):
                break
            if seg.tag == "ST":
                transaction = self.transaction(seg, ic, group)
                if transaction.control in seen:
                    transaction.errors.append(EdiError(
                        "transaction", "duplicate_transaction",
                        f"expected a new transaction set control number, {transaction.control} was already used in this group",
                        self.loc(seg, ic, group, transaction, element=2), ack_code="23"))
                seen.add(transaction.control)
                group.transactions.append(transaction)
                continue
            group.errors.append(EdiError("group", "outside_transaction",
                                         f"expected ST or GE, found {seg.tag!r}", self.loc(seg, ic, group),
                                         ack_code="5"))
            self.i += 1
        group.errors.append(EdiError("group", "missing_ge", f"expected GE to close group {group.control}",
                                     self.loc(self.segments[self.i - 1], ic, group), ack_code="3"))
        return group

    def transaction(self, st: Segment, ic: Interchange, group: Group) -> Transaction:
        tx = Transaction("X12", st.el(1).strip(), st.el(2).strip(), [st], version=st.el(3) or group.version)
        self.i += 1
        while self.i < len(self.segments):
            seg = self.segments[self.i]
            if seg.tag in ("ST", "GE", "GS", "IEA", "ISA"):
                break
            tx.segments.append(seg)
            self.i += 1
            if seg.broken_element is not None:
                tx.errors.append(_broken(seg, self.loc(seg, ic, group, tx, element=seg.broken_element), "5",
                                         segment_code="8", element_code="6"))
            if seg.tag == "SE":
                if seg.el(2).strip() != tx.control:
                    tx.errors.append(EdiError("transaction", "se_control_mismatch",
                                              f"expected SE02 = ST02 {tx.control!r}, found {seg.el(2)!r}",
                                              self.loc(seg, ic, group, tx, element=2), ack_code="3"))
                if seg.el(1).strip() != str(len(tx.segments)):
                    tx.errors.append(EdiError("transaction", "se_count_mismatch",
                                              f"expected SE01 = {len(tx.segments)} included segments, found {seg.el(1)!r}",
                                              self.loc(seg, ic, group, tx, element=1), ack_code="4"))
                return tx
            if not seg.tag or not seg.tag.isalnum() or len(seg.tag) > 3:
                tx.errors.append(EdiError("transaction", "bad_segment_id",
                                          f"expected a segment identifier of 2-3 letters or digits, found {seg.tag!r}",
                                          self.loc(seg, ic, group, tx), ack_code="5", ack_segment_code="1"))
        last = tx.segments[-1]
        tx.errors.append(EdiError("transaction", "missing_se", f"expected SE to close transaction {tx.name}",
                                  self.loc(last, ic, group, tx), ack_code="2"))
        return tx
