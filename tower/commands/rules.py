"""`tower rules evaluate | sweep | check-policy`: run the order-to-cash rules by hand.

(The command-line layer is the one place under tower/rules that does I/O; the rules
themselves stay pure.)
"""

from __future__ import annotations

import argparse

from tower.errors import UserError


def _policy(args: argparse.Namespace):
    from tower.rules.policy import PolicyError, load

    path = args.policy or args.settings.policy_path
    try:
        return load(path)
    except PolicyError as exc:
        raise UserError(str(exc)) from None


def _check_policy(args: argparse.Namespace) -> int:
    policy = _policy(args)
    print(f"policy {policy.version}: {len(policy.stages)} stages, {len(policy.returns)} return stages, "
          f"{len(policy.exceptions)} exception kinds, {len(policy.teams)} teams, "
          f"{len(policy.calendars)} calendars, {len(policy.overrides)} overrides — valid")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.evaluation.worker import drain, mark_all_open

    policy = _policy(args)
    engine = open_engine(args.settings)
    if args.all:
        mark_all_open(engine)
    total = drain(engine, limit=args.limit, policy=policy)
    print(f"evaluated {total} orders under policy {policy.version}")
    return 0


def _sweep(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.evaluation.sweep import run_sweep
    from tower.evaluation.worker import drain

    policy = _policy(args)
    engine = open_engine(args.settings)
    due = run_sweep(engine, policy=policy)
    evaluated = drain(engine, limit=args.limit, policy=policy)
    print(f"sweep queued {due} orders whose clocks crossed a threshold; evaluated {evaluated}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("rules", help="order-to-cash rules: evaluate, sweep, check-policy",
                       description="Run the order-to-cash rules by hand (the collector process runs "
                                   "them on its own schedule).")
    rsub = p.add_subparsers(dest="rules_command", metavar="<action>", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--policy", help="policy file (default: TOWER_POLICY or the built-in one)")
    q = rsub.add_parser("check-policy", parents=[common], help="load and validate the policy file",
                        description="Load the flow model and report what it holds, or the first error.")
    q.set_defaults(handler=_check_policy)
    q = rsub.add_parser("evaluate", parents=[common], help="evaluate the orders waiting for the rules",
                        description="Evaluate every order marked dirty (or, with --all, every open order).")
    q.add_argument("--all", action="store_true", help="re-evaluate every open order")
    q.add_argument("--limit", type=int, default=5000, help="orders per transaction (default 5000)")
    q.set_defaults(handler=_evaluate)
    q = rsub.add_parser("sweep", parents=[common], help="move SLA clocks now, then evaluate",
                        description="Run the SLA sweep once (escalations, snoozes, incidents, orders "
                                    "whose clocks crossed a threshold) and evaluate what it queued.")
    q.add_argument("--limit", type=int, default=5000, help="orders per transaction (default 5000)")
    q.set_defaults(handler=_sweep)
