"""One EDI file end to end, in the caller's transaction: register its hash (the same file
twice is stored once), parse and judge it, ingest the accepted transactions' milestones, send
each rejected transaction (or the whole file, if nothing in it could be read) to dead letters
with the precise reason, and build the acknowledgements. Writing those to the partner's outbox
is the caller's job, after the commit (`write_acks`).

Dead letters are keyed `edi/<partner>` + "<sha256>#<interchange>.<transaction>" and keep the
file's text, so `tower deadletters replay` (or `tower edi replay`) maps them again after a
mapping or registry fix.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import Connection

from collectors.edi import acks, partners
from collectors.edi.evaluate import Verdict, judge
from collectors.edi.model import EdiError, Location
from collectors.edi.parse import decode, parse_text
from collectors.stream import SkipRecord
from tower.store import dead_letters, edi_files
from tower.store.dead_letters import DeadLetter
from tower.store.errors import RetryableStoreError, StoreError
from tower.store.ingest import IngestResult, ingest

SOURCE = "edi"
UNKNOWN = "unknown-partner"


@dataclass
class FileSummary:
    name: str
    sha256: str
    duplicate: bool = False
    partner_id: str | None = None
    standard: str = ""
    outcome: str = "rejected"
    transactions: int = 0
    accepted: int = 0
    rejected: int = 0
    milestones: int = 0
    parked: int = 0
    segments: int = 0
    reasons: list[str] = field(default_factory=list)
    acks: list[acks.Ack] = field(default_factory=list)

    def line(self) -> str:
        if self.duplicate:
            return f"{self.name}: already loaded (same content), nothing stored"
        head = (f"{self.name}: {self.outcome} {self.standard or '?'} partner={self.partner_id or '-'} "
                f"transactions={self.transactions} accepted={self.accepted} rejected={self.rejected} "
                f"milestones={self.milestones}")
        return "\n".join([head, *(f"  rejected: {r}" for r in self.reasons[:10])])


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _stream(partner_id: str | None) -> str:
    return partner_id or UNKNOWN


def _letters(verdict: Verdict, text: str, name: str, digest: str) -> list[DeadLetter]:
    base = {"file": name, "sha256": digest, "text": text}
    file_reason = verdict.file_rejected_reason()
    if file_reason is not None:
        return [DeadLetter(SOURCE, UNKNOWN if not verdict.partners else _stream(next(iter(verdict.partners.values())).id),
                           f"{digest}#file", {**base, "interchange": None, "transaction": None}, file_reason)]
    out = []
    for n, result in enumerate(verdict.results):
        if result.accepted:
            continue
        tx = result.transaction
        payload = {**base, "interchange": result.interchange_index, "transaction": n, "set": tx.set_id,
                   "control": tx.control, "partner": result.partner.id if result.partner else None}
        out.append(DeadLetter(SOURCE, _stream(result.partner.id if result.partner else None),
                              f"{digest}#{result.interchange_index}.{n}", payload, result.reason))
    return out


def load_bytes(*, conn: Connection, data: bytes, name: str, registry: partners.Registry, now: datetime,
               via: str = "cli", partner_id: str | None = None) -> FileSummary:
    """Load one file; see the module docstring. Never raises for bad content."""
    digest = sha256(data)
    summary = FileSummary(name=name, sha256=digest)
    if edi_files.find(conn=conn, sha256=digest) is not None:
        edi_files.touch(conn=conn, sha256=digest, now=now)
        summary.duplicate = True
        return summary
    text = decode(data)
    verdict = judge(parse_text(text, name), registry, partner_id)
    origin = {id(m): r for r in verdict.results if r.accepted for m in r.milestones}
    try:
        with conn.begin_nested():   # a refused batch must not take the file's record with it
            result = ingest(conn=conn, milestones=verdict.milestones)
    except RetryableStoreError:
        raise
    except StoreError as exc:
        result = IngestResult()
        for owner in verdict.results:
            if owner.accepted and owner.milestones:
                owner.errors.append(EdiError("transaction", "store_refused", f"the store refused the file's batch: {exc}",
                                             Location(file=name, interchange=owner.interchange.control,
                                                      transaction=owner.transaction.name), ack_code="5"))
    for rejected in result.rejected:
        refused = origin.get(id(rejected.record))
        if refused is not None and refused.accepted:
            refused.errors.append(EdiError("transaction", "store_rejected", f"rejected by the store: {rejected.reason}",
                                           Location(file=name, interchange=refused.interchange.control,
                                                    transaction=refused.transaction.name), ack_code="5"))
    letters = _letters(verdict, text, name, digest)
    dead_letters.record(conn=conn, letters=letters, now=now)
    summary.partner_id = next((p.id for p in verdict.partners.values()), partner_id)
    summary.standard = verdict.parsed.standard
    summary.transactions, summary.accepted = verdict.transactions, verdict.accepted
    summary.rejected = verdict.rejected
    summary.milestones = sum(len(r.milestones) for r in verdict.results if r.accepted)
    summary.parked = result.parked
    summary.segments = verdict.parsed.segment_count
    summary.reasons = [letter.reason for letter in letters]
    summary.outcome = ("accepted" if not letters else "partial" if verdict.accepted else "rejected")
    edi_files.insert(conn=conn, record=edi_files.FileRecord(
        digest, name, summary.partner_id, summary.standard, via, summary.outcome,
        len(verdict.parsed.interchanges), summary.transactions, summary.accepted, summary.rejected,
        summary.milestones, summary.segments, "; ".join(summary.reasons)[:4000] or None), now=now)
    summary.acks = acks.acknowledgements(verdict, lambda: edi_files.next_ack_control(conn=conn), now)
    return summary


def write_acks(summary: FileSummary, outbox: Path) -> list[Path]:
    """Write the file's acknowledgements to <outbox>/<partner>/ (atomically: temp + rename)."""
    written = []
    for ack in summary.acks:
        folder = outbox / ack.partner_id
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / ack.filename
        temp = folder / f".{ack.filename}.tmp"
        temp.write_text(ack.text, encoding="utf-8")
        temp.replace(target)
        written.append(target)
    return written


class EdiReplay:
    """The replay "stream" for EDI dead letters: maps a stored file again with today's mapping
    and registry, and gives the milestones of the transaction the letter is about."""

    source = SOURCE

    def __init__(self, name: str, registry: partners.Registry) -> None:
        self.name, self.registry = name, registry
        self._mapped: tuple[int, int] = (0, 0)   # (transactions, milestones) of the last map()

    def map(self, payload: Any) -> tuple[None, list]:
        if not isinstance(payload, dict) or not isinstance(payload.get("text"), str):
            raise SkipRecord("the dead letter holds no EDI text to map again")
        verdict = judge(parse_text(payload["text"], payload.get("file") or ""), self.registry)
        wanted = payload.get("transaction")
        results = verdict.results if wanted is None else verdict.results[wanted:wanted + 1]
        if not results:
            raise SkipRecord(verdict.file_rejected_reason() or "the file holds no transaction")
        bad = [r.reason for r in results if not r.accepted]
        if bad:
            raise SkipRecord("; ".join(bad))
        milestones = [m for r in results for m in r.milestones]
        self._mapped = (len(results), len(milestones))
        return None, milestones

    def replayed(self, *, conn: Connection, payload: dict[str, Any], now: datetime) -> None:
        """After the letter went in (same transaction): the file's record says so too, so
        /integrations no longer shows the file's original outcome."""
        transactions, milestones = self._mapped
        whole_file = payload.get("transaction") is None
        edi_files.replayed(conn=conn, sha256=str(payload.get("sha256")), milestones=milestones,
                           file_transactions=transactions if whole_file else None)
