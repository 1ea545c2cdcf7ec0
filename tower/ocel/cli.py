"""`tower export ocel --format json|xml|sqlite [--from DAY --to DAY] --out FILE` and the
handler of `tower import ocel PATH [--mapping FILE]` (registered by tower/importers/cli.py)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path


def _day(text: str | None, what: str) -> date | None:
    from tower.cli import UserError

    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} must be a date like 2017-01-31, got {text!r}") from None


def export_log(*, conn, path: Path, fmt: str, start: datetime | None = None, end: datetime | None = None) -> dict:
    """Write the store's milestones in [start, end) as an OCEL 2.0 log; returns the counts."""
    from tower.ocel import export, writers

    return writers.write(path, fmt, export.events(conn=conn, start=start, end=end),
                         export.objects(conn=conn, start=start, end=end))


def export_handler(args: argparse.Namespace) -> int:
    from tower.cli import UserError
    from tower.cli_db import open_engine

    first, last = _day(args.start, "--from"), _day(args.end, "--to")
    if first and last and last < first:
        raise UserError(f"--to {last} is before --from {first}")
    start = datetime.combine(first, time(0), tzinfo=timezone.utc) if first else None
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=timezone.utc) if last else None
    out = Path(args.out)
    if not out.parent.is_dir():
        raise UserError(f"{out.parent} is not a folder")
    engine = open_engine(args.settings, migrate_first=True)
    with engine.connect() as conn:
        counts = export_log(conn=conn, path=out, fmt=args.format, start=start, end=end)
    print(f"wrote {out} (OCEL 2.0 {args.format}): {counts['events']} events, {counts['objects']} objects, "
          f"{counts['e2o']} event-object and {counts['o2o']} object-object relations, "
          f"{counts['changes']} object attribute values")
    return 0


def import_handler(args: argparse.Namespace) -> int:
    from tower.cli import UserError
    from tower.cli_db import open_engine
    from tower.importers import connector
    from tower.ocel import importer, mapping, readers

    path = Path(args.path)
    if not path.is_file():
        raise UserError(f"{path} is not a file")
    chosen = Path(args.mapping) if args.mapping else mapping.default_for(path)
    try:
        m = mapping.load(chosen) if chosen else None
        log = readers.read(path, naive_zone=m.zone if m else timezone.utc)
    except (mapping.MappingError, readers.UnreadableLog) as exc:
        raise UserError(str(exc)) from None
    if m is None:
        if not any("tower:source_event_id" in e.attributes for e in log.events[:50]):
            raise UserError(f"{path.name} was not written by tower: give --mapping FILE (see "
                            "tower/ocel/mappings/ for an example)")
        m = mapping.TOWER
    engine = open_engine(args.settings, migrate_first=True)
    summary = connector.run(engine=engine, dataset="ocel", records=importer.records(log, m), total=len(log.events))
    print(f"OCEL {log.version} log {path.name}, mapping: {m.name}")
    print("\n".join(summary.lines()))
    return 1 if summary.rejected_total else 0


def register(sub: argparse._SubParsersAction) -> None:
    from tower.ocel.writers import FORMATS

    p = sub.add_parser("export", help="export the store in a standard format",
                       description="Export the store in a standard format.")
    esub = p.add_subparsers(dest="export_kind", metavar="<format>", required=True)
    q = esub.add_parser("ocel", help="the store (or a period) as an OCEL 2.0 log",
                        description=__import__("tower.ocel.export", fromlist=["_"]).__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("--format", choices=FORMATS, default="json", help="OCEL 2.0 encoding (default json)")
    q.add_argument("--from", dest="start", metavar="DAY", help="first day (UTC) of milestones to export")
    q.add_argument("--to", dest="end", metavar="DAY", help="last day (UTC), inclusive")
    q.add_argument("--out", required=True, help="the file to write (replaced if it exists)")
    q.set_defaults(handler=export_handler)
