"""The `tower` command. Each part of tower adds its own subcommands through a `register`
function, so this module stays a table of contents:

    tower run                  the one-command demo (tower/supervisor.py)
    tower migrate              apply pending migrations
    tower db url|start|stop|status
    tower web                  the Dash app (tower/web.py)
    tower collect              the collector process (collectors/cli.py)
    tower deadletters list|replay
    tower sandbox ...          the simulated distributor (collectors/sandbox/cli.py)
    tower rules ...            evaluate / sweep (tower/rules/cli.py)
    tower import <dataset>     real public data in (tower/importers/)
    tower kpis show            the KPI pack of any period (tower/kpis/show.py)
    tower export ocel          the store as an OCEL 2.0 log (tower/ocel/)

Errors that a person can fix are printed as one line on stderr with a non-zero exit code.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Callable

from tower import config

# Modules that contribute subcommands; each has register(subparsers) -> None.
_PLUGINS = (
    "tower.cli_db",
    "tower.supervisor",
    "tower.web",
    "collectors.cli",
    "collectors.sandbox.cli",
    "tower.rules.cli",
    "tower.importers.cli",
    "tower.kpis.show",
    "tower.ocel.cli",
)


class UserError(RuntimeError):
    """An error with a plain message for the person at the terminal."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tower",
        description="tower: an operations control tower for distributors. "
                    "Run `tower run` for the demo, `tower <command> --help` for details.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name in _PLUGINS:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and (name == exc.name or name.startswith(exc.name + ".")):
                continue  # a part not installed in this checkout
            raise
        module.register(sub)
    return parser


def _plain_errors() -> tuple[type[BaseException], ...]:
    from tower.clock import ClockError
    from tower.db import DatabaseUnavailable
    from tower.migrate import MigrationError
    from tower.pg import ClusterError
    from tower.rules.policy import PolicyError

    return (UserError, config.ConfigError, DatabaseUnavailable, ClusterError, MigrationError,
            PolicyError, ClockError)


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
    except _plain_errors() as exc:
        print(f"tower: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
