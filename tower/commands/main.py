"""The `tower` command. Each command module of tower/commands adds its subcommands through a
`register` function, so this module stays a table of contents:

    tower run                  the one-command demo (tower/commands/run.py)
    tower migrate              apply pending migrations (tower/commands/db.py)
    tower db url|start|stop|status
    tower web                  the Dash app (tower/commands/web.py)
    tower users add|list
    tower tokens create|list|revoke   API tokens (tower/commands/tokens.py)
    tower collect              the collector process (tower/commands/collect.py)
    tower deadletters list|replay
    tower sandbox ...          the simulated distributor (tower/commands/sandbox.py)
    tower rules ...            evaluate / sweep (tower/commands/rules.py)
    tower import <dataset>     real public data in (tower/commands/imports.py, tower/importers/)
    tower export ocel          the store as an OCEL 2.0 log (tower/commands/exports.py, tower/ocel/)
    tower kpis show            the KPI pack of any period (tower/commands/kpis.py)
    tower edi load|partners|sandbox-feed   EDI files by hand, the demo's partners (tower/commands/edi.py)
    tower notify status|replay|sandbox|inbox   outbound notifications (tower/commands/notify.py)
    tower risk backtest|train|score        the SLA-miss risk model (tower/commands/risk.py, tower/risk/)

The command modules are imported explicitly: a missing one is an ImportError, not a command
that silently disappears.

Errors that a person can fix are printed as one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable

from tower import config
from tower.clock import ClockError
from tower.commands import collect, db, edi, exports, imports, kpis, notify, risk, rules, run, sandbox, tokens, web
from tower.db import DatabaseUnavailable
from tower.errors import UserError
from tower.migrate import MigrationError
from tower.pg import ClusterError
from tower.rules.policy import PolicyError
from tower.version import version

# The modules that contribute subcommands, in help order; each has register(subparsers).
_COMMANDS = (db, run, web, tokens, collect, sandbox, rules, imports, exports, kpis, edi, notify, risk)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tower",
        description="tower: an operations control tower for distributors. "
                    "Run `tower run` for the demo, `tower <command> --help` for details.",
    )
    parser.add_argument("--version", action="version", version=f"tower {version()}")
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for module in _COMMANDS:
        module.register(sub)
    return parser


# Errors a person can fix: printed as one line, never as a stack trace.
_PLAIN_ERRORS: tuple[type[BaseException], ...] = (
    UserError, config.ConfigError, DatabaseUnavailable, ClusterError, MigrationError, PolicyError,
    ClockError,
)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int | None] | None = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        settings = config.load()
        logging.basicConfig(level=settings.log_level,
                            format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        args.settings = settings
        return int(handler(args) or 0)
    except _PLAIN_ERRORS as exc:
        print(f"tower: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
