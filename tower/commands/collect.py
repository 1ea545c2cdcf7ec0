"""`tower collect` (the collector process) and `tower deadletters list|replay`.

    tower collect [--once | --check] [--streams erp wms/tasks ...] [--sources FILE] [--wait 30]
    tower deadletters list [--source erp] [--status open] [--limit 50]
    tower deadletters replay (--id 12 --id 13 | --all [--source erp])

Source endpoints: TOWER_<SOURCE>_URL / TOWER_<SOURCE>_TOKEN in the settings if present, else
the JSON file given with --sources, else `<TOWER_DATA_DIR>/sandbox/sandbox.json`, which the
sandbox writes when it starts (`tower run` starts it first; --wait covers the gap).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from collectors import registry
from collectors.edi.inbox import partner_registry
from collectors.http import Endpoint
from tower.errors import UserError
from tower.rules.policy import load as load_policy


def register(subparsers: Any) -> None:
    collect = subparsers.add_parser("collect", help="run the collector process (APScheduler)",
                                    description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    collect.add_argument("--once", action="store_true", help="run every stream once until caught up, then exit")
    collect.add_argument("--workers", type=int, metavar="N",
                         help="with --once: streams run at the same time (default: all, as the process runs them)")
    collect.add_argument("--check", action="store_true",
                         help="read one record from every stream (reachability and auth), print, exit")
    collect.add_argument("--streams", nargs="+", metavar="NAME",
                         help="only these sources or source/stream names (default: all)")
    collect.add_argument("--sources", type=Path, metavar="FILE",
                         help="JSON file with urls and tokens per source (default: the sandbox's)")
    collect.add_argument("--wait", type=float, default=30.0, metavar="SECONDS",
                         help="wait this long for the sources file to appear (default 30)")
    collect.add_argument("--poll-seconds", type=float, metavar="SECONDS",
                         help="poll interval per stream (default: TOWER_POLL_SECONDS)")
    collect.add_argument("--page-size", type=int, metavar="N",
                         help="records per page asked of the source (default per stream, 500)")
    collect.add_argument("--no-housekeeping", action="store_true",
                         help="do not run the rules worker, sweep, snapshot and dead-letter replay jobs in this process")
    collect.set_defaults(handler=_collect)

    dead = subparsers.add_parser("deadletters", help="list or replay records the collectors could not map")
    dsub = dead.add_subparsers(dest="deadletters_command", metavar="<list|replay>", required=True)
    listing = dsub.add_parser("list", help="show dead letters")
    listing.add_argument("--source", type=_source, help="erp, wms, carrier, finance, edi, webhooks, ...")
    listing.add_argument("--status", choices=("open", "replayed", "discarded"))
    listing.add_argument("--limit", type=int, default=50)
    listing.set_defaults(handler=_list)
    replay = dsub.add_parser("replay", help="map stored records again with the current mapping and ingest them")
    replay.add_argument("--id", dest="ids", type=int, action="append", metavar="ID")
    replay.add_argument("--all", action="store_true", help="every open dead letter (of --source, if given)")
    replay.add_argument("--source", type=_source, help="only dead letters of this source")
    replay.set_defaults(handler=_replay)


def _source(text: str) -> str:
    """A source name as dead letters store it: any source may have them (the polled systems,
    EDI, webhooks, ...), so the store, not a fixed list, says which exist (see _known_source)."""
    name = text.strip().lower()
    if not name or not all(c.isalnum() or c in "-_" for c in name):
        raise argparse.ArgumentTypeError(f"not a source name: {text!r}")
    return name


def _known_source(conn: Any, source: str | None) -> None:
    """UserError naming the sources that do have dead letters, if `source` is none of them."""
    from tower.store import dead_letters

    if source is None or source in registry.SOURCES or source in registry.INTAKE_SOURCES:
        return
    present = sorted(set(dead_letters.counts(conn=conn)["source"]))
    if source not in present:
        raise UserError(f"no dead letters of source {source!r}; sources with dead letters: "
                        f"{', '.join(present) or 'none'}")


def _engine(args: argparse.Namespace, streams: int = 0):
    # The schema is `tower migrate`'s business (tower run does it first), not the collector's.
    from collectors.scheduler import pool_size
    from tower.db import check_server, make_engine, resolve_url

    engine = make_engine(resolve_url(args.settings), app="tower-collect", pool_size=pool_size(streams))
    check_server(engine)
    return engine


def endpoints(settings: Any, sources_file: Path | None = None, wait: float = 0.0) -> dict[str, Endpoint]:
    """The source endpoints per the module docstring; UserError when there are none."""
    found = registry.endpoints_from_settings(settings.extra or {})
    path = sources_file or registry.sandbox_file(settings.data_dir)
    deadline = time.monotonic() + wait
    while len(found) < len(registry.SOURCES):
        if path.is_file():
            try:
                return {**registry.endpoints_from_file(path), **found}
            except (ValueError, KeyError, TypeError) as exc:
                if time.monotonic() >= deadline:
                    raise UserError(f"{path} is not a valid sources file: {exc}") from None
        elif time.monotonic() >= deadline:
            if found:
                return found
            raise UserError(f"no source endpoints: {path} does not exist. Start the sandbox "
                            "(`tower sandbox serve`) or pass --sources FILE with urls and tokens")
        time.sleep(0.25)
    return found


def _collect(args: argparse.Namespace) -> int:
    from collectors import scheduler

    points = endpoints(args.settings, args.sources, args.wait)
    try:
        streams = registry.build_streams(points, args.streams, page_size=args.page_size,
                                         schedule_seconds=args.poll_seconds or args.settings.poll_seconds)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if args.check:
        return _check(streams)
    engine = _engine(args, len(streams))
    try:
        if args.once:
            failed = 0
            for result in scheduler.run_once(engine, streams, workers=args.workers):
                failed += result.status in ("failed", "fatal")
                print(f"{result.source}/{result.stream}: {result.status} records={result.records} "
                      f"milestones={result.counts.milestones_written} dead_letters={result.counts.dead_letters}"
                      + (f" error={result.error}" if result.error else ""))
            return 1 if failed else 0
        # The policy is read once, here at start-up, and handed to every job that needs it.
        policy = None if args.no_housekeeping else load_policy(args.settings.policy_path)
        scheduler.run_forever(engine, streams, policy=policy, intake=args.settings.intake,
                              notify=args.settings.notify, keep_changes_days=args.settings.change_feed_keep_days)
        return 0
    finally:
        registry.close_streams(streams)
        engine.dispose()


def _check(streams: list) -> int:
    from collectors.http import SourceError

    failed = 0
    try:
        for stream in streams:
            try:
                stream.check()
                print(f"{stream.key}: ok")
            except SourceError as exc:
                failed += 1
                print(f"{stream.key}: {type(exc).__name__}: {exc}")
    finally:
        registry.close_streams(streams)
    return 1 if failed else 0


def _list(args: argparse.Namespace) -> int:
    from tower.store import dead_letters

    engine = _engine(args)
    with engine.connect() as conn:
        _known_source(conn, args.source)
        frame = dead_letters.list_letters(conn=conn, source=args.source, status=args.status, limit=args.limit)
    engine.dispose()
    if frame.empty:
        print("no dead letters")
        return 0
    for row in frame.itertuples():
        print(f"#{row.dead_letter_id} {row.source}/{row.stream} {row.record_key} [{row.status}, "
              f"retries {row.retry_count}, last seen {row.last_seen_at:%Y-%m-%d %H:%M:%S}Z] {row.reason}")
    return 0


def _replay(args: argparse.Namespace) -> int:
    from collectors.runner import replay_dead_letters

    if not args.ids and not args.all:
        raise UserError("say which dead letters to replay: --id ID (repeatable) or --all [--source SOURCE]")
    if args.ids and args.all:
        raise UserError("use either --id or --all, not both")
    trading_partners = partner_registry(args.settings.intake)
    engine = _engine(args)
    try:
        with engine.connect() as conn:
            _known_source(conn, args.source)
        result = replay_dead_letters(engine, lambda source, stream: registry.resolve_stream(
            source, stream, trading_partners=trading_partners), ids=args.ids, source=args.source)
    finally:
        engine.dispose()
    print(f"replayed {result.replayed}, still failing {result.failed}")
    for reason in result.reasons[:20]:
        print(f"  {reason}")
    return 0 if not result.failed else 1
