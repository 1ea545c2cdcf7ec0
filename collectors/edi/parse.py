"""Parse one EDI payload, whichever standard it is: bytes in, `ParsedFile` out, never raises."""

from __future__ import annotations

from collectors.edi import edifact, x12
from collectors.edi.model import EdiError, Location, ParsedFile
from tower.intake.events import decode

__all__ = ["decode", "parse_bytes", "parse_text"]


def parse_bytes(data: bytes, name: str = "") -> ParsedFile:
    return parse_text(decode(data), name)


def parse_text(text: str, name: str = "") -> ParsedFile:
    if x12.looks_like_x12(text):
        return x12.parse(text, name)
    if edifact.looks_like_edifact(text):
        return edifact.parse(text, name)
    head = text.lstrip("\ufeff \t\r\n")[:20]
    out = ParsedFile(name=name, standard="")
    out.errors.append(EdiError("file", "not_edi", f"expected an X12 (ISA) or EDIFACT (UNA/UNB) interchange, "
                                                  f"the file starts with {head!r}", Location(file=name)))
    return out
