"""The watched drop folders: `<TOWER_EDI_INBOX>/<partner>/`, polled by the collector process.

Each file is read, loaded (hash recorded, milestones in, rejects to dead letters), its
acknowledgements written to `<TOWER_EDI_OUTBOX>/<partner>/`, and then moved to
`<TOWER_EDI_ARCHIVE>/<partner>/<YYYY-MM-DD>/`. A file is moved only after its transaction
committed, so a crash in between means it is read again — and its hash makes that a no-op.
Names starting with "." or ending in .tmp / .part are uploads still in progress and are left
alone. One collector process polls at a time (an advisory lock).
"""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from sqlalchemy.engine import Engine

from collectors.edi import partners
from collectors.edi.intake import FileSummary, load_bytes, write_acks
from collectors.locks import try_lock
from tower import clock
from tower.config import ConfigError, IntakeSettings

log = logging.getLogger(__name__)
IN_PROGRESS = (".tmp", ".part", ".filepart")
PER_POLL = 50


def pending(inbox: Path) -> list[tuple[str, Path]]:
    """(partner folder, file) for every finished upload, oldest first across partners."""
    out: list[tuple[str, Path]] = []
    if not inbox.is_dir():
        return out
    for folder in sorted(p for p in inbox.iterdir() if p.is_dir() and not p.name.startswith(".")):
        out.extend((folder.name, f) for f in folder.iterdir() if f.is_file() and not f.name.startswith(".")
                   and not f.name.endswith(IN_PROGRESS))
    return sorted(out, key=lambda item: (item[1].stat().st_mtime, item[0], item[1].name))


def _archive(path: Path, archive: Path, partner: str, now: datetime) -> Path:
    folder = archive / partner / f"{now:%Y-%m-%d}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    path.replace(target)
    return target


def poll(engine: Engine, settings: IntakeSettings, registry: partners.Registry, *,
         now: Callable[[], datetime] = clock.now, limit: int | None = None) -> list[FileSummary]:
    """Read pending files once (at most `limit`, oldest first: a job returns between batches,
    so a stop request is heard); returns their summaries (duplicates included)."""
    summaries = []
    for partner_id, path in pending(settings.inbox)[:limit]:
        try:
            data = path.read_bytes()
        except OSError as exc:   # vanished or unreadable: the next poll tries again
            log.warning("edi inbox: cannot read %s: %s", path, exc)
            continue
        expected = partner_id if registry.get(partner_id) is not None else None
        with engine.begin() as conn:
            summary = load_bytes(conn=conn, data=data, name=f"{partner_id}/{path.name}", registry=registry,
                                 now=now(), via="inbox", partner_id=expected)
        write_acks(summary, settings.outbox)
        _archive(path, settings.archive, partner_id, now())
        log.info("edi inbox: %s", summary.line().splitlines()[0])
        summaries.append(summary)
    return summaries


def partner_registry(settings: IntakeSettings) -> partners.Registry:
    """The trading partners `settings` names, read once at start-up; a malformed file is one
    plain line (ConfigError), not a traceback."""
    try:
        return partners.load(settings.partners_file)
    except partners.PartnerError as exc:
        raise ConfigError(f"TOWER_EDI_PARTNERS: {exc}") from None


def scheduled_job(engine: Engine, settings: IntakeSettings,
                  registry: partners.Registry) -> tuple[str, float, Callable[[], Any]]:
    """(name, seconds, callable): the EDI drop-folder job of the collector process."""
    def inbox_job() -> int:
        with try_lock(engine, "jobs/edi-inbox") as held:
            return len(poll(engine, settings, registry, limit=PER_POLL)) if held else 0

    return ("edi-inbox", settings.poll_seconds, inbox_job)
