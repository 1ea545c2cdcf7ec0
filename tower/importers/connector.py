"""The one shape every importer has: read a source file into `Record`s (one per source row or
order, each with the milestones it maps to), then `run` them through `tower.store.ingest` in
batches, with a progress bar and a summary.

Nothing is dropped silently. A row the connector cannot map (a date it cannot read, a required
field missing) is a `Record` with a `reason`; a milestone that ingest's validation refuses comes
back from ingest with its reason. Both are written as dead letters (source "import", stream =
the dataset, keyed by the row's key, payload = the row as read), so a re-run updates the same
dead letter instead of adding one, and the summary counts them by reason. Milestones carry
stable source_event_ids, so a re-run stores nothing new (ingest is ON CONFLICT DO NOTHING).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Iterable

from sqlalchemy import Engine
from tqdm import tqdm

from tower import clock
from tower.store import dead_letters, ingest

SOURCE = "import"


@dataclass
class Record:
    """One unit of a source file: its key, the row(s) as read, and their milestones (or the
    reason it could not be mapped at all)."""

    key: str
    payload: Any
    milestones: list[dict] = field(default_factory=list)
    reason: str | None = None
    notes: dict[str, int] = field(default_factory=dict)  # facts read but not mapped, counted


@dataclass
class Summary:
    dataset: str
    rows_read: int = 0
    milestones_written: int = 0
    duplicates: int = 0
    parked: int = 0
    rejected: Counter = field(default_factory=Counter)   # reason (values stripped) -> count
    notes: Counter = field(default_factory=Counter)      # facts worth knowing, not errors

    @property
    def rejected_total(self) -> int:
        return sum(self.rejected.values())

    def lines(self) -> list[str]:
        out = [f"{self.dataset}: {self.rows_read} rows read, {self.milestones_written} milestones written, "
               f"{self.duplicates} already stored, {self.parked} parked, {self.rejected_total} rejected"]
        for reason, n in self.rejected.most_common():
            out.append(f"  rejected {n}: {reason}")
        for note, n in self.notes.most_common():
            out.append(f"  note {n}: {note}")
        return out


def reason_group(reason: str) -> str:
    """A rejection reason without the offending value, so the summary groups like reasons."""
    return re.sub(r":\s*'.*$|:\s*\".*$", "", reason).strip()


def run(*, engine: Engine, dataset: str, records: Iterable[Record], total: int | None = None,
        batch_size: int = 5000, progress: bool | None = None, now: datetime | None = None) -> Summary:
    """Ingest every record's milestones (one transaction per batch) and dead-letter the rest."""
    summary = Summary(dataset)
    batch: list[Record] = []
    pending = 0
    with tqdm(total=total, unit="rows", desc=f"import {dataset}", disable=None if progress is None else not progress,
              leave=False) as bar:
        for record in records:
            summary.rows_read += 1
            summary.notes.update(record.notes)
            bar.update(1)
            batch.append(record)
            pending += len(record.milestones)
            if pending >= batch_size:
                _flush(engine, dataset, batch, summary, now)
                batch, pending = [], 0
        if batch:
            _flush(engine, dataset, batch, summary, now)
    return summary


def _flush(engine: Engine, dataset: str, batch: list[Record], summary: Summary, now: datetime | None) -> None:
    owner: dict[int, Record] = {}
    events: list[dict] = []
    letters: list[dead_letters.DeadLetter] = []
    for record in batch:
        if record.reason:
            letters.append(dead_letters.DeadLetter(SOURCE, dataset, record.key, record.payload, record.reason))
            summary.rejected[reason_group(record.reason)] += 1
            continue
        for m in record.milestones:
            owner[id(m)] = record
            events.append(m)
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=events)
        for bad in result.rejected:
            source_row = owner.get(id(bad.record))
            key = f"{source_row.key if source_row else '?'}:{bad.record.get('source_event_id')}"
            letters.append(dead_letters.DeadLetter(SOURCE, dataset, key,
                                                   {"row": source_row.payload if source_row else None,
                                                    "milestone": bad.record}, bad.reason))
            summary.rejected[reason_group(bad.reason)] += 1
        if letters:
            dead_letters.record(conn=conn, letters=letters, now=now or clock.now())
    summary.milestones_written += result.inserted
    summary.duplicates += result.duplicates
    summary.parked += result.parked
