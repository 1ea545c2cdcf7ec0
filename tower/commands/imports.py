"""`tower import olist|northwind|vbfa|scms|ocel PATH [--mapping FILE]`: load real public data
into the store (tower/importers/run.py does the work, one connector per dataset; tower/ocel/
reads object-centric event logs)."""

from __future__ import annotations

import argparse
import importlib
from datetime import timezone
from pathlib import Path

from tower.errors import UserError


def _import_dataset(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.importers.run import import_dataset

    path = Path(args.path)
    if not path.exists():
        raise UserError(f"{path} does not exist")
    engine = open_engine(args.settings, migrate_first=True)
    summary = import_dataset(engine=engine, name=args.import_kind, path=path)
    print("\n".join(summary.lines()))
    return 1 if summary.rejected_total else 0


def _import_ocel(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
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
    from tower.importers.run import DATASETS

    p = sub.add_parser("import", help="import real public order data into the store",
                       description="Import real public order data as milestones. Re-running an import stores "
                                   "nothing twice; rows that cannot be mapped become dead letters with the reason.")
    isub = p.add_subparsers(dest="import_kind", metavar="<dataset>", required=True)
    for ds in DATASETS.values():
        q = isub.add_parser(ds.name, help=ds.help, description=importlib.import_module(ds.module).__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        q.add_argument("path", help=ds.expects)
        q.set_defaults(handler=_import_dataset)
    q = isub.add_parser("ocel", help="an OCEL 2.0 (json/xml/sqlite) or OCEL 1.0 (jsonocel/xmlocel/flattened CSV) log",
                        description="Import an object-centric event log, mapping its activities and object types "
                                    "to tower's milestones with a YAML mapping file.")
    q.add_argument("path", help="the log file")
    q.add_argument("--mapping", help="YAML mapping file (default: the one shipped for the pm4py order log, "
                                     "or tower's own vocabulary for a log tower exported)")
    q.set_defaults(handler=_import_ocel)
