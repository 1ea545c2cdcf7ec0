"""`tower import olist|northwind|vbfa|scms|ocel PATH [--mapping FILE]`: load real public data
into the store (tower/importers/run.py does the work, one connector per dataset)."""

from __future__ import annotations

import argparse


def _ocel(args: argparse.Namespace) -> int:
    from tower.ocel.cli import import_handler

    return import_handler(args)


def register(sub: argparse._SubParsersAction) -> None:
    from tower.importers.run import DATASETS, handler

    p = sub.add_parser("import", help="import real public order data into the store",
                       description="Import real public order data as milestones. Re-running an import stores "
                                   "nothing twice; rows that cannot be mapped become dead letters with the reason.")
    isub = p.add_subparsers(dest="import_kind", metavar="<dataset>", required=True)
    for ds in DATASETS.values():
        q = isub.add_parser(ds.name, help=ds.help, description=__import__(ds.module, fromlist=["_"]).__doc__,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
        q.add_argument("path", help=ds.expects)
        q.set_defaults(handler=handler)
    q = isub.add_parser("ocel", help="an OCEL 2.0 (json/xml/sqlite) or OCEL 1.0 (jsonocel/xmlocel/flattened CSV) log",
                        description="Import an object-centric event log, mapping its activities and object types "
                                    "to tower's milestones with a YAML mapping file.")
    q.add_argument("path", help="the log file")
    q.add_argument("--mapping", help="YAML mapping file (default: the one shipped for the pm4py order log, "
                                     "or tower's own vocabulary for a log tower exported)")
    q.set_defaults(handler=_ocel)
