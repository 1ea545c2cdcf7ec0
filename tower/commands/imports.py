"""`tower import olist DIR`: load the public Olist sample into the store (for demos)."""

from __future__ import annotations

import argparse
from pathlib import Path

from tower.errors import UserError


def _import_olist(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.importers import olist
    from tower.store import ingest

    folder = Path(args.folder)
    if not (folder / "olist_orders_dataset.csv").is_file():
        raise UserError(f"{folder} does not hold olist_orders_dataset.csv")
    engine = open_engine(args.settings, migrate_first=True)
    stored = rejected = orders = 0
    batch: list[dict] = []

    def flush() -> None:
        nonlocal stored, rejected, batch
        with engine.begin() as conn:
            result = ingest(conn=conn, milestones=batch)
        stored += result.inserted
        rejected += len(result.rejected)
        for bad in result.rejected[:5]:
            print(f"rejected {bad.record.get('source_event_id')}: {bad.reason}")
        batch = []

    for _, events in olist.milestones(folder):
        orders += 1
        batch += events
        if len(batch) >= 5000:
            flush()
    if batch:
        flush()
    print(f"{orders} orders read, {stored} milestones stored, {rejected} rejected")
    return 1 if rejected else 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("import", help="import a public order log into the store",
                       description="Import real public order data as milestones.")
    isub = p.add_subparsers(dest="import_kind", metavar="<format>", required=True)
    q = isub.add_parser("olist", help="the Olist e-commerce sample (folder of its CSV files)",
                        description="Import the Olist sample: purchase, approval, carrier hand-over and delivery "
                                    "times become placed / released / shipped / delivered milestones.")
    q.add_argument("folder", help="folder holding olist_orders_dataset.csv and friends")
    q.set_defaults(handler=_import_olist)
