"""`tower risk backtest [--json] | train | score`: the SLA-miss risk model by hand.

`backtest` prints the backtest of the model in service (the same figures as /risk): the model
and the rules baseline (75% of the SLA, `escalation.at_risk`) on the same held-out orders, and
how much earlier the model flagged the orders that did miss. `--json` prints one object with
`model` and `baseline` (each with brier, auc, precision, recall, n, ...) and `earlier`.
`train` trains a candidate now and promotes it unless it backtests worse than the model in
service; `score` scores every open order and applies the decision rights. The collector process
does both on its own schedule (policy `risk_model`).
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from tower.errors import UserError


def _policy(args: argparse.Namespace):
    from tower.rules.policy import PolicyError, load

    try:
        return load(args.settings.policy_path)
    except PolicyError as exc:
        raise UserError(str(exc)) from None


def _fmt(value: Any, pattern: str = "{:.3f}") -> str:
    return "—" if value is None else pattern.format(value)


def _print_backtest(version: str, bt: dict[str, Any]) -> None:
    print(f"model {version}: backtest on {bt['model']['n']:,} points of {bt['model']['orders']:,} held-out orders")
    print(f"{'':10} {'brier':>7} {'auc':>7} {'precision':>10} {'recall':>7} {'flagged':>8}")
    for name in ("model", "baseline"):
        f = bt[name]
        print(f"{name:10} {_fmt(f['brier']):>7} {_fmt(f['auc']):>7} {_fmt(f['precision'], '{:.1%}'):>10} "
              f"{_fmt(f['recall'], '{:.1%}'):>7} {f['flagged']:>8,}")
    print(f"threshold {bt['model']['threshold']:g} (decision_rights); baseline: {bt['baseline'].get('rule', '')}")
    e = bt["earlier"]
    print(f"orders that missed: {e['missed_orders']:,}; flagged by both {e['flagged_by_both']:,}, "
          f"only by the model {e['only_model']:,}, only by the rules {e['only_baseline']:,}; "
          f"the model flagged them {_fmt(e['median_hours'], '{:.1f}')} h earlier (median)")


def _backtest(args: argparse.Namespace) -> int:
    from tower.commands.db import open_engine
    from tower.data import risk

    engine = open_engine(args.settings, migrate_first=True)
    with engine.connect() as conn:
        model = risk.in_service(conn=conn)
    if model is None:
        raise UserError("no risk model is in service yet: run `tower risk train` (the collector "
                        "process trains one as soon as there is closed history)")
    bt = model["backtest"]
    if args.json:
        print(json.dumps({"version": model["version"], "trained_at": model["trained_at"].isoformat(),
                          "window_from": model["window_from"].isoformat(),
                          "window_to": model["window_to"].isoformat(), **bt}, indent=2))
    else:
        _print_backtest(model["version"], bt)
    return 0


def _train(args: argparse.Namespace) -> int:
    from tower import clock
    from tower.commands.db import open_engine
    from tower.risk.training import train

    policy = _policy(args)
    engine = open_engine(args.settings, migrate_first=True)
    with engine.begin() as conn:
        result = train(conn=conn, now=clock.now(), policy=policy)
    if result.version is None:
        raise UserError(f"no model trained: {result.reason}")
    print(f"trained {result.version}: {result.reason}")
    assert result.backtest is not None
    _print_backtest(result.version, result.backtest)
    return 0


def _score(args: argparse.Namespace) -> int:
    from tower import clock
    from tower.commands.db import open_engine
    from tower.risk.scoring import score_open

    policy = _policy(args)
    engine = open_engine(args.settings, migrate_first=True)
    with engine.begin() as conn:
        result = score_open(conn=conn, now=clock.now(), policy=policy)
    if result.model_version is None:
        raise UserError("no risk model is in service yet: run `tower risk train` first")
    f = result.flags
    print(f"scored {result.scored:,} open orders with {result.model_version}: {f.raised} flags raised "
          f"({f.acted} acted, {f.escalated} escalated), {f.upgraded} upgraded, {f.expired} expired")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("risk", help="the SLA-miss risk model: backtest, train, score",
                       description="The SLA-miss risk model by hand (the collector process trains "
                                   "and scores on its own schedule).")
    rsub = p.add_subparsers(dest="risk_command", metavar="<action>", required=True)
    q = rsub.add_parser("backtest", help="the backtest of the model in service against the rules",
                        description="The model in service against the rules baseline (75% of the SLA) "
                                    "on the same held-out orders.")
    q.add_argument("--json", action="store_true", help="print JSON (model, baseline, earlier)")
    q.set_defaults(handler=_backtest)
    q = rsub.add_parser("train", help="train a candidate now (promoted unless it backtests worse)")
    q.set_defaults(handler=_train)
    q = rsub.add_parser("score", help="score every open order and apply the decision rights")
    q.set_defaults(handler=_score)
