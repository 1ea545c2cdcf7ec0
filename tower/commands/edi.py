"""`tower edi load PATH... [--partner P]` and `tower edi partners`.

    tower edi load FILE_OR_FOLDER... [--partner ID] [--no-acks]
        Load EDI files by hand: one summary line per file (accepted / partial / rejected, with
        the reasons), acknowledgements written to the partner's outbox, exit code 1 if any
        transaction or file was rejected. Folders are read recursively; a file already loaded
        (same content) is reported and not stored again.
    tower edi partners
        List the trading partners of TOWER_EDI_PARTNERS (or the shipped sandbox partners).
    tower edi sandbox-feed [--every 30] [--once] [--push URL]
        The demo's trading partners: drop what the running sandbox published as partner files
        in the inbox, and push the carrier's events to URL/hooks/carrier/sandbox when
        TOWER_WEBHOOK_SECRETS has a `sandbox` secret.
"""

from __future__ import annotations

import argparse
import signal
import threading
from pathlib import Path
from typing import Any, Iterator

from collectors.edi import partners
from collectors.edi.intake import load_bytes, write_acks
from tower import clock
from tower.commands.collect import _engine
from tower.config import IntakeSettings, Settings
from tower.errors import UserError
from tower.sandbox.edi_feed import PROVIDER, Feed
from tower.sandbox.server import sandbox_root
from tower.sandbox.storage import Storage


def register(subparsers: Any) -> None:
    edi = subparsers.add_parser("edi", help="load EDI files by hand, list trading partners",
                                description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = edi.add_subparsers(dest="edi_command", metavar="<load|partners|sandbox-feed>", required=True)
    load = sub.add_parser("load", help="load X12 / EDIFACT files and print a summary per file")
    load.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    load.add_argument("--partner", metavar="ID", help="the files must come from this trading partner")
    load.add_argument("--no-acks", action="store_true", help="do not write 997 / CONTRL acknowledgements")
    load.set_defaults(handler=_load)
    listing = sub.add_parser("partners", help="list the trading partners")
    listing.set_defaults(handler=_partners)
    feed = sub.add_parser("sandbox-feed", help="the sandbox's partners drop EDI files and push webhooks")
    feed.add_argument("--every", type=float, default=30.0, metavar="SECONDS")
    feed.add_argument("--once", action="store_true", help="one round, then exit")
    feed.add_argument("--push", metavar="URL", help="the tower web app to push carrier webhooks to")
    feed.set_defaults(handler=_feed)


def files(paths: list[Path]) -> Iterator[Path]:
    """The files named, folders read recursively, each once, in a stable order."""
    seen: set[Path] = set()
    for path in paths:
        found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for item in found:
            key = item.resolve()
            if key not in seen:
                seen.add(key)
                yield item


def _registry(settings: Settings) -> tuple[IntakeSettings, partners.Registry]:
    intake = settings.intake
    try:
        return intake, partners.load(intake.partners_file)
    except partners.PartnerError as exc:
        raise UserError(str(exc)) from None


def _partners(args: argparse.Namespace) -> int:
    _, registry = _registry(args.settings)
    for p in registry.partners:
        senders = ", ".join(f"{s.qualifier}:{s.id}" if s.qualifier else s.id for s in p.senders)
        print(f"{p.id}: {p.name} [{p.standard}, source {p.source}] sender {senders}; sets {', '.join(sorted(p.sets))}")
    return 0


def _load(args: argparse.Namespace) -> int:
    intake, registry = _registry(args.settings)
    if args.partner and registry.get(args.partner) is None:
        raise UserError(f"no trading partner {args.partner!r}; `tower edi partners` lists them")
    engine = _engine(args)
    counts = {"files": 0, "accepted": 0, "partial": 0, "rejected": 0, "duplicate": 0, "unreadable": 0}
    try:
        for path in files(args.paths):
            counts["files"] += 1
            try:
                data = path.read_bytes()
            except OSError as exc:
                counts["unreadable"] += 1
                print(f"{path}: cannot read: {exc.strerror}")
                continue
            with engine.begin() as conn:
                summary = load_bytes(conn=conn, data=data, name=str(path), registry=registry, now=clock.now(),
                                     via="cli", partner_id=args.partner)
            if not args.no_acks:
                write_acks(summary, intake.outbox)
            counts["duplicate" if summary.duplicate else summary.outcome] += 1
            print(summary.line())
    finally:
        engine.dispose()
    print("files {files}: accepted {accepted}, partial {partial}, rejected {rejected}, "
          "already loaded {duplicate}, unreadable {unreadable}".format(**counts))
    return 1 if counts["partial"] or counts["rejected"] or counts["unreadable"] else 0


def _feed(args: argparse.Namespace) -> int:
    intake, _ = _registry(args.settings)
    if not Storage(sandbox_root(args.settings.data_dir)).exists():
        raise UserError(f"no sandbox in {sandbox_root(args.settings.data_dir)}: start it first (`tower sandbox serve`)")
    feed = Feed(args.settings.data_dir, intake.inbox, push_url=args.push,
                secret=intake.webhook_secrets.get(PROVIDER))
    if args.once:
        print(feed.once())
        return 0
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    feed.run(args.every, stop)
    return 0
