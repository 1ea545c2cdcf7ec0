"""The parsed shape of an EDI file, shared by X12 and EDIFACT: interchanges holding functional
groups holding transactions (X12 transaction sets, EDIFACT messages) of segments, and the
errors found on the way, each with the place it was found.

Nothing here reads files or the database: the parsers take text and return these objects.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterator

LEVELS = ("file", "interchange", "group", "transaction")


@dataclass(frozen=True)
class Location:
    """Where an error was found; every part is optional and printed only when known."""

    file: str | None = None
    interchange: str | None = None        # ISA13 / UNB 0020 control reference
    group: str | None = None              # GS06 / UNG 0048
    transaction: str | None = None        # "<set> <control>", e.g. "214 0001", "ORDERS 1"
    segment_position: int | None = None   # counted from the transaction header (ST/UNH = 1),
    segment_tag: str | None = None        # or from the start of the file outside a transaction
    element: int | None = None            # 1-based element position in the segment
    file_segment: int | None = None       # 1-based position in the whole file

    def describe(self) -> str:
        parts = []
        if self.file:
            parts.append(f"file {self.file}")
        if self.interchange is not None:
            parts.append(f"interchange {self.interchange}")
        if self.group is not None:
            parts.append(f"group {self.group}")
        if self.transaction is not None:
            parts.append(f"transaction {self.transaction}")
        if self.segment_position is not None or self.segment_tag:
            where = f"segment {self.segment_position}" if self.segment_position is not None else "segment"
            parts.append(f"{where} ({self.segment_tag})" if self.segment_tag else where)
        if self.element is not None:
            parts.append(f"element {self.element}")
        return ", ".join(parts)


@dataclass(frozen=True)
class EdiError:
    """One problem: its level (what it rejects), a short code, what was expected, and where.

    `ack_code` is the code the acknowledgement reports (X12 AK5/AK9/AK3/AK4 codes, EDIFACT
    CONTRL 0085 codes); `ack_segment_code` / `ack_element_code` the segment and element notes."""

    level: str
    code: str
    message: str
    location: Location = field(default_factory=Location)
    ack_code: str | None = None
    ack_segment_code: str | None = None
    ack_element_code: str | None = None

    def __str__(self) -> str:
        where = self.location.describe()
        return f"{where}: {self.message}" if where else self.message


class EdiSyntaxError(ValueError):
    """Raised inside a parser for a fault that stops the current envelope; carries the error."""

    def __init__(self, error: EdiError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(slots=True)
class Segment:
    tag: str
    elements: list            # element values: str, or list[str] for an EDIFACT composite
    file_index: int           # 1-based position in the file
    sub_separator: str | None = None   # X12 component separator (ISA16)
    repetition_separator: str | None = None
    broken_element: int | None = None   # an element whose value held a line break (X12)

    def el(self, i: int, default: str = "") -> str:
        """Element `i` (1-based) as text; the first component of a composite."""
        if i < 1 or i > len(self.elements):
            return default
        value = self.elements[i - 1]
        if isinstance(value, list):
            value = value[0] if value else ""
        elif self.sub_separator and self.sub_separator in value:
            value = value.split(self.sub_separator, 1)[0]
        return value if value != "" else default

    def comp(self, i: int, j: int, default: str = "") -> str:
        """Component `j` (1-based) of element `i`."""
        if i < 1 or i > len(self.elements):
            return default
        value = self.elements[i - 1]
        if isinstance(value, str):
            value = value.split(self.sub_separator) if self.sub_separator else [value]
        if j < 1 or j > len(value):
            return default
        return value[j - 1] if value[j - 1] != "" else default

    def raw(self, i: int) -> str | list[str]:
        return self.elements[i - 1] if 1 <= i <= len(self.elements) else ""


@dataclass
class Transaction:
    """One X12 transaction set (ST..SE) or EDIFACT message (UNH..UNT), envelope included."""

    standard: str
    set_id: str
    control: str
    segments: list[Segment]
    version: str = ""
    errors: list[EdiError] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.set_id} {self.control}"

    @property
    def body(self) -> list[Segment]:
        return self.segments[1:-1] if len(self.segments) >= 2 else self.segments

    def position(self, segment: Segment) -> int:
        """The segment's position counted from the header (ST/UNH = 1)."""
        return segment.file_index - self.segments[0].file_index + 1

    def find(self, tag: str) -> Segment | None:
        return next((s for s in self.segments if s.tag == tag), None)

    def all(self, tag: str) -> list[Segment]:
        return [s for s in self.segments if s.tag == tag]


@dataclass
class Group:
    functional_id: str        # GS01 / UNG 0038 ("" for EDIFACT messages outside a group)
    control: str
    sender: str = ""
    receiver: str = ""
    version: str = ""
    transactions: list[Transaction] = field(default_factory=list)
    errors: list[EdiError] = field(default_factory=list)
    implicit: bool = False    # EDIFACT messages directly in the interchange (no UNG)
    header: Segment | None = None


@dataclass
class Interchange:
    standard: str
    control: str
    sender_qualifier: str
    sender_id: str
    receiver_qualifier: str
    receiver_id: str
    date: str = ""
    time: str = ""
    test: bool = False
    version: str = ""
    groups: list[Group] = field(default_factory=list)
    errors: list[EdiError] = field(default_factory=list)
    delimiters: dict[str, str] = field(default_factory=dict)
    header: Segment | None = None


@dataclass
class ParsedFile:
    name: str
    standard: str                           # "X12", "EDIFACT" or "" if not recognised
    interchanges: list[Interchange] = field(default_factory=list)
    errors: list[EdiError] = field(default_factory=list)
    segment_count: int = 0

    def transactions(self) -> Iterator[tuple[Interchange, Group, Transaction]]:
        for interchange in self.interchanges:
            for group in interchange.groups:
                for transaction in group.transactions:
                    yield interchange, group, transaction

    def all_errors(self) -> list[EdiError]:
        out = list(self.errors)
        for interchange in self.interchanges:
            out.extend(interchange.errors)
            for group in interchange.groups:
                out.extend(group.errors)
                for transaction in group.transactions:
                    out.extend(transaction.errors)
        return out
