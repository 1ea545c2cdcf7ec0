"""`tower web` (the Dash app under waitress) and `tower users add|list|passwd|disable|enable`.

`tower web` finds the database the same way every tower command does (TOWER_DATABASE_URL, or
the embedded cluster that `tower run` / `tower db start` manage), migrates it, and serves the
app. Web processes are stateless: run as many as needed behind a proxy, all with the same
TOWER_SECRET_KEY (or the same data dir) so sessions are valid on each.
"""

from __future__ import annotations

import argparse
import getpass
import logging
import secrets

from tower.errors import UserError

log = logging.getLogger(__name__)


def _web(args: argparse.Namespace) -> int:
    from tower.app import create_app
    from tower.commands.db import open_engine
    from tower.web_server import serve, waitress_options

    settings = args.settings
    engine = open_engine(settings, migrate_first=True)
    url = engine.url.render_as_string(hide_password=False)
    engine.dispose()  # before the workers fork: no connection is shared between processes
    host = args.host or settings.web_host
    port = args.port or settings.web_port
    processes = args.processes or settings.web_processes
    threads = args.threads or settings.web_threads
    print(f"tower web: serving on http://{host}:{port}/ ({processes} process{'es' if processes > 1 else ''} "
          f"x {threads} threads)", flush=True)
    options = waitress_options(threads=threads, max_body_bytes=8 * settings.max_request_mb * 1024 * 1024)
    return serve(lambda: create_app(settings, db_url=url).server, host=host, port=port,
                 processes=processes, options=options)


def _password(args: argparse.Namespace, what: str) -> tuple[str, bool]:
    """The password `--password` gives: "-" asks at the terminal, none makes one (16 random
    characters, shown once). Returns (password, whether it was made here)."""
    if args.password == "-":
        return getpass.getpass(f"{what} for {args.username}: "), False
    if args.password is None:
        return secrets.token_urlsafe(12), True
    return args.password, False


def _users_add(args: argparse.Namespace) -> int:
    from tower.auth import users
    from tower.commands.db import open_engine

    password, generated = _password(args, "password")
    warehouses = [w.strip() for w in args.warehouses.split(",") if w.strip()] if args.warehouses else None
    engine = open_engine(args.settings, migrate_first=True)
    try:
        with engine.begin() as conn:
            created = users.add(conn=conn, username=args.username, password=password, role=args.role,
                                display_name=args.name or "", warehouses=warehouses,
                                time_zone=args.time_zone, replace=args.replace)
    except users.UserInputError as exc:
        raise UserError(str(exc)) from None
    if not created:
        raise UserError(f"user {args.username!r} exists already; add --replace to reset it")
    print(f"user {args.username} ({args.role}) saved"
          + (f"; password: {password}" if generated else ""))
    return 0


def _users_passwd(args: argparse.Namespace) -> int:
    from tower.auth import users
    from tower.commands.db import open_engine

    password, generated = _password(args, "new password")
    engine = open_engine(args.settings, migrate_first=True)
    try:
        with engine.begin() as conn:
            found = users.set_password(conn=conn, username=args.username, password=password)
    except users.UserInputError as exc:
        raise UserError(str(exc)) from None
    if not found:
        raise UserError(f"no user {args.username!r} (see `tower users list`)")
    print(f"password of {args.username} changed; their open sessions are ended"
          + (f"; new password: {password}" if generated else ""))
    return 0


def _users_set_active(args: argparse.Namespace) -> int:
    from tower.auth import users
    from tower.commands.db import open_engine

    active = args.users_command == "enable"
    engine = open_engine(args.settings, migrate_first=True)
    with engine.begin() as conn:
        found = users.set_active(conn=conn, username=args.username, active=active)
    if not found:
        raise UserError(f"no user {args.username!r} (see `tower users list`)")
    print(f"user {args.username} " + ("enabled" if active else "disabled; their open sessions are ended"))
    return 0


def _users_list(args: argparse.Namespace) -> int:
    from tower.auth import users
    from tower.commands.db import open_engine

    engine = open_engine(args.settings, migrate_first=True)
    with engine.connect() as conn:
        frame = users.list_users(conn=conn)
    if frame.empty:
        print("no users yet (`tower run` creates demo users; `tower users add` adds one)")
        return 0
    for row in frame.itertuples():
        scope = ",".join(row.warehouses) if row.warehouses else "all warehouses"
        state = "" if row.active else " (inactive)"
        print(f"{row.username:<20} {row.role:<11} {scope:<20} {row.time_zone:<20} {row.display_name}{state}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("web", help="serve the web app (Dash pages) with waitress",
                       description="Migrate the database, then serve tower's web app. Uses TOWER_DATABASE_URL "
                                   "or the embedded Postgres (started if needed).")
    p.add_argument("--host", help="address to listen on (default TOWER_WEB_HOST, 127.0.0.1)")
    p.add_argument("--port", type=int, help="port to listen on (default TOWER_WEB_PORT, 8050)")
    p.add_argument("--threads", type=int, default=None,
                   help="worker threads per process (default TOWER_WEB_THREADS, 16)")
    p.add_argument("--processes", type=int, help="web processes sharing the port (default TOWER_WEB_PROCESSES, 1)")
    p.set_defaults(handler=_web)

    p = sub.add_parser("users", help="manage the people who sign in to the web app",
                       description="Manage web users. Roles: cs, supervisor, finance, executive, admin.")
    usub = p.add_subparsers(dest="users_command", metavar="<action>", required=True)
    q = usub.add_parser("add", help="add a user (or reset one with --replace)",
                        description="Add a user. Without --password a random one is generated and printed once; "
                                    "--password - asks for it without echo.")
    q.add_argument("username")
    q.add_argument("--role", required=True, choices=["cs", "supervisor", "finance", "executive", "admin"])
    q.add_argument("--password", help="the password, or - to type it (default: generate one)")
    q.add_argument("--name", help="display name")
    q.add_argument("--warehouses", help="comma-separated warehouse codes a supervisor is limited to")
    q.add_argument("--time-zone", default="UTC", help="IANA zone for times without a warehouse (default UTC)")
    q.add_argument("--replace", action="store_true", help="reset the user if it exists")
    q.set_defaults(handler=_users_add)
    q = usub.add_parser("list", help="list users", description="List users, their roles and scopes.")
    q.set_defaults(handler=_users_list)
    q = usub.add_parser("passwd", help="change a user's password (ends their open sessions)",
                        description="Change a user's password and end every session they have open. "
                                    "Without --password a random one is generated and printed once; "
                                    "--password - asks for it without echo. At least 12 characters.")
    q.add_argument("username")
    q.add_argument("--password", help="the new password, or - to type it (default: generate one)")
    q.set_defaults(handler=_users_passwd)
    q = usub.add_parser("disable", help="stop a user from signing in (ends their open sessions)",
                        description="Disable a user: they cannot sign in and every open session of theirs ends.")
    q.add_argument("username")
    q.set_defaults(handler=_users_set_active)
    q = usub.add_parser("enable", help="let a disabled user sign in again",
                        description="Enable a user that `tower users disable` disabled.")
    q.add_argument("username")
    q.set_defaults(handler=_users_set_active)
