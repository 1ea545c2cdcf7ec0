"""`tower export ocel --format json|xml|sqlite [--from DAY --to DAY] --out FILE`: the store (or
the milestones of a period) as an OCEL 2.0 log (tower/ocel/export.py). A command sees every
warehouse."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

from tower.errors import UserError


def _day(text: str | None, what: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} must be a date like 2017-01-31, got {text!r}") from None


def _export_ocel(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.ocel.export import write_log

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
        counts = write_log(conn=conn, path=out, fmt=args.format, start=start, end=end)
    print(f"wrote {out} (OCEL 2.0 {args.format}): {counts['events']} events, {counts['objects']} objects, "
          f"{counts['e2o']} event-object and {counts['o2o']} object-object relations, "
          f"{counts['changes']} object attribute values")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from tower.ocel import export
    from tower.ocel.writers import FORMATS

    p = sub.add_parser("export", help="export the store in a standard format",
                       description="Export the store in a standard format.")
    esub = p.add_subparsers(dest="export_kind", metavar="<format>", required=True)
    q = esub.add_parser("ocel", help="the store (or a period) as an OCEL 2.0 log", description=export.__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("--format", choices=FORMATS, default="json", help="OCEL 2.0 encoding (default json)")
    q.add_argument("--from", dest="start", metavar="DAY", help="first day (UTC) of milestones to export")
    q.add_argument("--to", dest="end", metavar="DAY", help="last day (UTC), inclusive")
    q.add_argument("--out", required=True, help="the file to write (replaced if it exists)")
    q.set_defaults(handler=_export_ocel)
