"""Acknowledgements: a 997 for every X12 functional group, a CONTRL for every EDIFACT
interchange, built from the verdict (pure: text out; the caller writes it to the outbox).

997: AK1 names the group; per transaction an AK2, the AK3 segment and AK4 element in error if
any, and AK5 accepted (A) / accepted with errors (E) / rejected (R) with its code; AK9 sums the
group up (A, P partially accepted, R). CONTRL: UCI for the interchange, UCM per message with
UCS/UCD for the segment and element in error; action 7 accepted, 4 rejected.

An interchange from an unknown partner gets no acknowledgement: there is nobody known to send
it to. An interchange-level envelope error is reported in the acknowledgement's group summary.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Callable

from collectors.edi.evaluate import TransactionResult, Verdict
from collectors.edi.model import EdiError, Group, Interchange


@dataclass(frozen=True)
class Ack:
    partner_id: str
    standard: str
    filename: str
    text: str
    rejected: int          # transactions reported rejected


def _pad(value: str, width: int) -> str:
    return value[:width].ljust(width)


def _transaction_errors(result: TransactionResult) -> list[EdiError]:
    return [e for e in result.errors if e.level == "transaction"]


def _x12_group(ic: Interchange, group: Group, results: list[TransactionResult], control: int,
               when: datetime) -> tuple[list[str], int]:
    seg: list[str] = [f"ST*997*{control % 10000:04d}", f"AK1*{group.functional_id}*{group.control}"]
    accepted = 0
    group_codes = [e.ack_code for e in group.errors + ic.errors if e.ack_code and not e.ack_code.startswith("TA1")]
    for result in results:
        tx = result.transaction
        seg.append(f"AK2*{tx.set_id}*{tx.control}")
        errors = _transaction_errors(result)
        for error in errors:
            loc = error.location
            if loc.segment_tag and loc.segment_position is not None and loc.segment_tag not in ("ST", "SE"):
                seg.append(f"AK3*{loc.segment_tag}*{loc.segment_position}**{error.ack_segment_code or '8'}")
                if loc.element is not None and error.ack_element_code:
                    seg.append(f"AK4*{loc.element}**{error.ack_element_code}")
        if result.accepted:
            accepted += 1
            seg.append("AK5*A")
        else:
            code = next((e.ack_code for e in errors if e.ack_code and not e.ack_code.startswith("TA1")), None)
            seg.append(f"AK5*R*{code or '5'}")
    received = len(results)
    status = "A" if accepted == received and not group_codes else ("P" if accepted else "R")
    seg.append("*".join(["AK9", status, str(len(group.transactions)), str(received), str(accepted), *group_codes[:5]]))
    seg.append(f"SE*{len(seg) + 1}*{control % 10000:04d}")
    return seg, received - accepted


def x12_997(verdict: Verdict, index: int, control: int, now: datetime) -> Ack | None:
    """The 997 for interchange `index` of the file (one functional group acknowledged per group)."""
    partner = verdict.partners.get(index)
    if partner is None:
        return None
    ic = verdict.parsed.interchanges[index]
    when = now.astimezone(timezone.utc)
    sub = ic.delimiters.get("component") or ">"
    segments = [f"ISA*00*{' ' * 10}*00*{' ' * 10}*{_pad(ic.receiver_qualifier, 2)}*{_pad(ic.receiver_id, 15)}"
                f"*{_pad(ic.sender_qualifier, 2)}*{_pad(ic.sender_id, 15)}*{when:%y%m%d}*{when:%H%M}*U*00401"
                f"*{control % 10**9:09d}*0*{'T' if ic.test else 'P'}*{sub}"]
    rejected = 0
    for n, group in enumerate(ic.groups, start=1):
        # Group and transaction control numbers need only be unique inside this acknowledgement.
        results = [r for r in verdict.results if r.interchange_index == index and r.group is group]
        body, bad = _x12_group(ic, group, results, n, when)
        rejected += bad
        segments.append(f"GS*FA*{group.receiver}*{group.sender}*{when:%Y%m%d}*{when:%H%M}*{n}*X*"
                        f"{group.version or '004010'}")
        segments.extend(body)
        segments.append(f"GE*1*{n}")
    segments.append(f"IEA*{len(ic.groups)}*{control % 10**9:09d}")
    return Ack(partner.id, "X12", f"997_{ic.control}_{control:09d}.x12", "~\n".join(segments) + "~\n", rejected)


def _release(value: str, chars: dict[str, str]) -> str:
    release = chars.get("release", "?")
    for ch in (release, chars.get("element", "+"), chars.get("component", ":"), chars.get("terminator", "'")):
        value = value.replace(ch, release + ch) if ch != release else value.replace(ch, ch + ch)
    return value


def edifact_contrl(verdict: Verdict, index: int, control: int, now: datetime) -> Ack | None:
    """The CONTRL for interchange `index` of the file."""
    partner = verdict.partners.get(index)
    if partner is None:
        return None
    ic = verdict.parsed.interchanges[index]
    when = now.astimezone(timezone.utc)
    chars = {"release": "?", "element": "+", "component": ":", "terminator": "'"}
    esc = lambda v: _release(v, chars)  # noqa: E731 - a local shorthand
    results = [r for r in verdict.results if r.interchange_index == index]
    ic_codes = [e.ack_code for e in ic.errors if e.ack_code]
    accepted_all = all(r.accepted for r in results) and not ic_codes
    body = ["UNH+1+CONTRL:D:3:UN",
            f"UCI+{esc(ic.control)}+{esc(ic.sender_id)}:{esc(ic.sender_qualifier)}+"
            f"{esc(ic.receiver_id)}:{esc(ic.receiver_qualifier)}+{'7' if accepted_all else '4'}"
            + (f"+{ic_codes[0]}" if ic_codes else "")]
    rejected = 0
    for result in results:
        tx = result.transaction
        errors = _transaction_errors(result)
        action = "7" if result.accepted else "4"
        rejected += not result.accepted
        code = next((e.ack_code for e in errors if e.ack_code), None)
        body.append(f"UCM+{esc(tx.control)}+{esc(tx.set_id)}:{esc(tx.version.replace(':', ':'))}+{action}"
                    + (f"+{code}" if code and not result.accepted else ""))
        for error in errors:
            loc = error.location
            if loc.segment_position is not None:
                body.append(f"UCS+{loc.segment_position}+{error.ack_code or '12'}")
                if loc.element is not None:
                    body.append(f"UCD+{error.ack_element_code or error.ack_code or '12'}+{loc.element}")
    body.append(f"UNT+{len(body) + 1}+1")
    segments = [f"UNB+UNOA:3+{esc(ic.receiver_id)}:{esc(ic.receiver_qualifier)}+{esc(ic.sender_id)}:"
                f"{esc(ic.sender_qualifier)}+{when:%y%m%d}:{when:%H%M}+{control}", *body, f"UNZ+1+{control}"]
    return Ack(partner.id, "EDIFACT", f"CONTRL_{ic.control}_{control}.edi".replace("/", "-"),
               "'\n".join(segments) + "'\n", rejected)


def acknowledgements(verdict: Verdict, next_control: Callable[[], int], now: datetime) -> list[Ack]:
    """One acknowledgement per interchange of a known partner; `next_control()` gives each its
    interchange control number (ISA13 / UNB 0020)."""
    out: list[Ack] = []
    for index, ic in enumerate(verdict.parsed.interchanges):
        # Never acknowledge an acknowledgement: that loops between two systems forever.
        sets = {t.set_id for g in ic.groups for t in g.transactions}
        if sets and sets <= {"997", "999", "CONTRL"}:
            continue
        if index not in verdict.partners:
            continue
        build = x12_997 if verdict.parsed.standard == "X12" else edifact_contrl
        ack = build(verdict, index, next_control(), now)
        if ack is not None:
            out.append(ack)
    return out
