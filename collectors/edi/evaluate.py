"""One parsed file judged: its partner checked, each transaction allowed, mapped, or rejected
with the reason — still pure (no database, no files), so tests and the acknowledgement writer
read the same verdict the store gets.

What rejects what: a file error rejects the file; an interchange error (unknown partner, broken
envelope) its interchange; a group error its group; a transaction error (bad counts, a set the
partner may not send, a missing element, an unknown code) that transaction alone. The good
transactions of the same interchange still go in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collectors.edi import mapping, partners
from collectors.edi.mapping.common import MappingError
from collectors.edi.model import EdiError, Group, Interchange, Location, ParsedFile, Transaction
from tower.store.milestone import Milestone


@dataclass
class TransactionResult:
    interchange_index: int
    interchange: Interchange
    group: Group
    transaction: Transaction
    partner: partners.Partner | None
    milestones: list[Milestone] = field(default_factory=list)
    errors: list[EdiError] = field(default_factory=list)   # its own, or the envelope's that reject it

    @property
    def accepted(self) -> bool:
        return not self.errors

    @property
    def reason(self) -> str:
        return "; ".join(str(e) for e in self.errors)


@dataclass
class Verdict:
    parsed: ParsedFile
    results: list[TransactionResult] = field(default_factory=list)
    partner_errors: list[EdiError] = field(default_factory=list)
    partners: dict[int, partners.Partner] = field(default_factory=dict)   # interchange index -> partner

    @property
    def transactions(self) -> int:
        return len(self.results)

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.results)

    @property
    def rejected(self) -> int:
        return len(self.results) - self.accepted

    def file_rejected_reason(self) -> str | None:
        """Why nothing of the file could be read into transactions, if that is the case."""
        errors = self.parsed.errors + self.partner_errors + [e for i in self.parsed.interchanges for e in i.errors]
        if not self.results and errors:
            return "; ".join(str(e) for e in errors)
        if not self.results and not self.parsed.interchanges:
            return "no interchange found"
        return None

    @property
    def milestones(self) -> list[Milestone]:
        return [m for r in self.results if r.accepted for m in r.milestones]


def judge(parsed: ParsedFile, registry: partners.Registry, partner_id: str | None = None) -> Verdict:
    verdict = Verdict(parsed)
    for index, ic in enumerate(parsed.interchanges):
        partner, why = partners.check_sender(registry, parsed.standard, ic.sender_qualifier, ic.sender_id,
                                             ic.receiver_qualifier, ic.receiver_id, partner_id)
        if partner is None:
            error = EdiError("interchange", "unknown_partner", why or "unknown partner",
                             Location(file=parsed.name, interchange=ic.control, segment_position=1,
                                      segment_tag=ic.header.tag if ic.header else None,
                                      element=6 if parsed.standard == "X12" else 2), ack_code="TA1:006")
            verdict.partner_errors.append(error)
        else:
            verdict.partners[index] = partner
        envelope = parsed.errors + ic.errors + ([verdict.partner_errors[-1]] if partner is None else [])
        for group in ic.groups:
            for tx in group.transactions:
                result = TransactionResult(index, ic, group, tx, partner)
                result.errors = envelope + group.errors + tx.errors
                if not result.errors and partner is not None:
                    _map(result, partner, parsed.name)
                verdict.results.append(result)
    return verdict


def _map(result: TransactionResult, partner: partners.Partner, name: str) -> None:
    tx = result.transaction
    loc: dict[str, Any] = dict(file=name, interchange=result.interchange.control,
                               group=None if result.group.implicit else result.group.control, transaction=tx.name)
    if tx.set_id not in partner.sets:
        result.errors.append(EdiError("transaction", "set_not_allowed",
                                      f"partner {partner.id!r} may not send {tx.standard} {tx.set_id} "
                                      f"(allowed: {', '.join(sorted(partner.sets)) or 'none'})",
                                      Location(**loc, segment_position=1, segment_tag=tx.segments[0].tag, element=1),
                                      ack_code="1" if tx.standard == "X12" else "35"))
        return
    ctx = mapping.context(partner, result.interchange, result.group, tx)
    try:
        result.milestones = mapping.map_transaction(ctx)
    except MappingError as exc:
        seg = exc.segment
        result.errors.append(EdiError(
            "transaction", exc.code, exc.message,
            Location(**loc, segment_position=tx.position(seg) if seg is not None else None,
                     segment_tag=seg.tag if seg is not None else None, element=exc.element,
                     file_segment=seg.file_index if seg is not None else None),
            ack_code="5", ack_segment_code=exc.segment_code, ack_element_code=exc.element_code))
