"""`tower tokens create|list|revoke`: API tokens for people and services (tower.auth.tokens).

    tower tokens create --user erp-bot --scopes orders:read,milestones:write --expires 90d
    tower tokens list
    tower tokens revoke 12
"""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta

from tower import clock
from tower.errors import UserError

_DURATION = re.compile(r"^(\d{1,5})([hd])$")


def expiry(text: str | None, *, now: datetime) -> datetime | None:
    """`90d`, `12h` or an ISO 8601 time with a zone; None for no expiry."""
    if not text:
        return None
    found = _DURATION.match(text.strip())
    if found:
        n, unit = int(found.group(1)), found.group(2)
        return now + (timedelta(days=n) if unit == "d" else timedelta(hours=n))
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(f"--expires {text!r}: give 90d, 12h or an ISO time with a zone") from None
    if at.tzinfo is None:
        raise UserError(f"--expires {text!r}: give the time zone (2027-01-31T00:00:00+00:00)")
    return at


def _create(args: argparse.Namespace) -> int:
    from tower.auth import tokens
    from tower.commands.db import open_engine

    now = clock.now()
    scopes = [s.strip() for s in args.scopes.split(",") if s.strip()]
    engine = open_engine(args.settings, migrate_first=True)
    try:
        with engine.begin() as conn:
            made = tokens.create(conn=conn, username=args.user, scopes=scopes, by=args.by, now=now,
                                 expires_at=expiry(args.expires, now=now), label=args.label or "")
    except tokens.TokenInputError as exc:
        raise UserError(str(exc)) from None
    print(f"token {made.token_id} for {args.user} ({', '.join(sorted(set(scopes)))}); shown once, keep it now:")
    print(made.secret)
    return 0


def _list(args: argparse.Namespace) -> int:
    from tower.auth import tokens
    from tower.commands.db import open_engine

    engine = open_engine(args.settings, migrate_first=True)
    with engine.connect() as conn:
        frame = tokens.list_tokens(conn=conn)
    if frame.empty:
        print("no API tokens (`tower tokens create --user U --scopes ...` makes one)")
        return 0
    now = clock.now()
    for r in frame.itertuples():
        state = ("revoked" if r.revoked_at is not None else
                 "expired" if r.expires_at is not None and r.expires_at <= now else "live")
        used = r.last_used_at.isoformat(timespec="minutes") if r.last_used_at is not None else "never used"
        print(f"{r.token_id:>5} {r.username:<20} {state:<8} {','.join(r.scopes):<40} {used}  {r.label}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    from tower.auth import tokens
    from tower.commands.db import open_engine

    engine = open_engine(args.settings, migrate_first=True)
    with engine.begin() as conn:
        done = tokens.revoke(conn=conn, token_id=args.token_id, by=args.by, now=clock.now())
    if not done:
        raise UserError(f"no live token {args.token_id}")
    print(f"token {args.token_id} revoked")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from tower.auth.tokens import SCOPES

    p = sub.add_parser("tokens", help="API tokens: create, list, revoke",
                       description="Bearer tokens for /api/v1. A token never has more than its user's role "
                                   "and warehouses. Scopes: " + ", ".join(SCOPES))
    tsub = p.add_subparsers(dest="tokens_command", metavar="<action>", required=True)
    q = tsub.add_parser("create", help="make a token (printed once)")
    q.add_argument("--user", required=True, help="the user the token acts as")
    q.add_argument("--scopes", required=True, help="comma-separated: " + ",".join(SCOPES))
    q.add_argument("--expires", help="90d, 12h or an ISO time with a zone (default: never)")
    q.add_argument("--label", help="what the token is for")
    q.add_argument("--by", default="cli", help="who made it (recorded)")
    q.set_defaults(handler=_create)
    q = tsub.add_parser("list", help="every token (never its secret)")
    q.set_defaults(handler=_list)
    q = tsub.add_parser("revoke", help="revoke a token by id")
    q.add_argument("token_id", type=int)
    q.add_argument("--by", default="cli", help="who revoked it (recorded)")
    q.set_defaults(handler=_revoke)
