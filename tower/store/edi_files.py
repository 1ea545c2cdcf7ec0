"""The EDI file register: every file read, once, by its SHA-256, with partner and outcome.
Functions never commit."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from tower.sqlfiles import load

_Q = load(__file__, "edi_files.sql")


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    name: str
    partner_id: str | None
    standard: str
    via: str
    outcome: str           # accepted | partial | rejected
    interchanges: int
    transactions: int
    accepted: int
    rejected: int
    milestones: int
    segments: int
    reason: str | None


def find(*, conn: Connection, sha256: str) -> dict[str, Any] | None:
    row = conn.execute(_Q["find"], {"sha256": sha256}).mappings().first()
    return dict(row) if row else None


def touch(*, conn: Connection, sha256: str, now: datetime) -> None:
    """The same file arrived again: count it, store nothing new."""
    conn.execute(_Q["touch"], {"sha256": sha256, "now": now})


def insert(*, conn: Connection, record: FileRecord, now: datetime) -> int | None:
    """The new file's id, or None if a concurrent reader registered the same file first."""
    params = asdict(record)
    params["reason"] = (record.reason or None) and record.reason[:4000]
    return conn.execute(_Q["insert"], {**params, "now": now}).scalar_one_or_none()


def replayed(*, conn: Connection, sha256: str, milestones: int, file_transactions: int | None = None) -> None:
    """A dead letter of the file went in on replay with `milestones`. `file_transactions` None:
    the letter was one rejected transaction, which counts as accepted now; else the letter was
    the whole file, which went in with that many transactions. The outcome follows the counts."""
    if file_transactions is None:
        conn.execute(_Q["replayed_transaction"], {"sha256": sha256, "milestones": milestones})
    else:
        conn.execute(_Q["replayed_file"], {"sha256": sha256, "transactions": file_transactions,
                                           "milestones": milestones})


def next_ack_control(*, conn: Connection) -> int:
    return int(conn.execute(_Q["next_ack_control"]).scalar_one())
