"""`tower migrate` and `tower db ...`: the database's lifecycle from the command line."""

from __future__ import annotations

import argparse

from tower import db
from tower.config import Settings, mask_url


def open_engine(settings: Settings, *, migrate_first: bool = False):
    """An engine on the configured database (the embedded cluster is started if needed),
    checked for reachability and version."""
    url = db.resolve_url(settings)
    engine = db.make_engine(url)
    db.check_server(engine)
    if migrate_first:
        from tower.migrate import migrate

        migrate(engine)
    return engine


def _migrate(args: argparse.Namespace) -> int:
    from tower.migrate import current_version, migrate

    engine = open_engine(args.settings)
    applied = migrate(engine)
    for m in applied:
        print(f"applied {m.version:04d}_{m.name}")
    print(f"schema at version {current_version(engine)}" + ("" if applied else " (nothing to do)"))
    if args.write_schema:
        from tower.migrate import SCHEMA_FILE, dump_schema

        SCHEMA_FILE.write_text(dump_schema(engine.url.render_as_string(hide_password=False)))
        print(f"wrote {SCHEMA_FILE}")
    return 0


def _cluster(settings: Settings):
    from tower.pg import Cluster

    if not settings.embedded:
        return None
    return Cluster(settings.pg_dir)


def _db_url(args: argparse.Namespace) -> int:
    url = db.resolve_url(args.settings)
    print(url if args.show_password else mask_url(url))
    return 0


def _db_start(args: argparse.Namespace) -> int:
    cluster = _cluster(args.settings)
    if cluster is None:
        print("TOWER_DATABASE_URL is set: tower does not manage that server")
        return 0
    print(cluster.start())
    return 0


def _db_stop(args: argparse.Namespace) -> int:
    cluster = _cluster(args.settings)
    if cluster is None:
        print("TOWER_DATABASE_URL is set: tower does not manage that server")
        return 0
    print("stopped" if cluster.stop() else "the embedded Postgres was not running")
    return 0


def _db_status(args: argparse.Namespace) -> int:
    from tower.migrate import current_version

    cluster = _cluster(args.settings)
    if cluster is not None and cluster.running_port() is None:
        print(f"embedded Postgres in {cluster.pgdata}: not running")
        return 1
    engine = open_engine(args.settings)
    version = db.check_server(engine)
    print(f"server {version // 10000}.{version % 100}, schema version {current_version(engine)}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("migrate", help="apply pending schema migrations (idempotent)",
                       description="Apply every migration in sql/migrations that the database has not had yet, "
                                   "each in its own transaction. Running it twice is a no-op.")
    p.add_argument("--write-schema", action="store_true",
                   help="also write sql/schema.sql (the committed head) from the migrated database")
    p.set_defaults(handler=_migrate)

    p = sub.add_parser("db", help="the database: url, start, stop, status",
                       description="Manage tower's embedded Postgres (used when TOWER_DATABASE_URL is unset).")
    dbsub = p.add_subparsers(dest="db_command", metavar="<action>", required=True)
    q = dbsub.add_parser("url", help="print the database URL (starts the embedded cluster if needed)",
                         description="Print the URL tower uses; the embedded cluster is started if it is not running.")
    q.add_argument("--show-password", action="store_true", help="print the password instead of ***")
    q.set_defaults(handler=_db_url)
    q = dbsub.add_parser("start", help="start the embedded Postgres and print its URL",
                         description="Create (first time) and start the embedded Postgres in TOWER_DATA_DIR/pg.")
    q.set_defaults(handler=_db_start)
    q = dbsub.add_parser("stop", help="stop the embedded Postgres",
                         description="Stop the embedded Postgres cleanly; its data stays for the next start.")
    q.set_defaults(handler=_db_stop)
    q = dbsub.add_parser("status", help="say whether the database is up and its schema version",
                         description="Connect, check the server version and print the schema version.")
    q.set_defaults(handler=_db_status)
