"""`tower sandbox serve|faults|status|advance|generate`: run and drive the simulated distributor.

`serve` writes `<data-dir>/sandbox/sandbox.json` (urls, tokens, admin url and token, pid) and
prints it; the other commands find a running sandbox through that file.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx

from tower.errors import UserError
from tower.sandbox import faults as F
from tower.sandbox.generate import DEFAULT_LIVE_ORDERS_PER_DAY, DEFAULT_ORDERS_PER_DAY


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("sandbox", help="the simulated distributor (ERP, WMS, carrier, finance)")
    sub = parser.add_subparsers(dest="sandbox_command", metavar="<action>", required=True)

    serve = sub.add_parser("serve", help="serve the four systems and the control service")
    _common(serve)
    serve.add_argument("--days", type=int, help="days of history to backfill (TOWER_SANDBOX_DAYS)")
    serve.add_argument("--orders-per-day", type=float, default=DEFAULT_ORDERS_PER_DAY,
                       help="order intake of the backfilled history; default %(default)s")
    serve.add_argument("--live-orders-per-day", type=float, default=DEFAULT_LIVE_ORDERS_PER_DAY,
                       help="order intake once live (busier, so a demo moves every few "
                            "seconds; set it equal to --orders-per-day for a steady state); "
                            "default %(default)s")
    serve.add_argument("--port", type=int, help="ERP port; WMS, carrier, finance, control follow "
                                                "(TOWER_SANDBOX_PORT; 0 = any free ports)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--faults", default="", help="e.g. erp=outage,wms=duplicates:0.3,all=slow:500")
    serve.add_argument("--rate-limit", type=float, default=50.0, help="requests/s per system")
    serve.add_argument("--fresh", action="store_true", help="regenerate instead of resuming")
    serve.add_argument("--no-live", action="store_true", help="do not move with the clock")
    serve.set_defaults(handler=_serve)

    faults = sub.add_parser("faults", help="switch faults on a running sandbox")
    faults.add_argument("spec", nargs="?", default="", help="e.g. erp=outage:refused,all=clear; "
                        "empty shows the current faults")
    faults.add_argument("--data-dir", type=Path)
    faults.set_defaults(handler=_faults)

    status = sub.add_parser("status", help="time, faults and counters of a running sandbox")
    status.add_argument("--data-dir", type=Path)
    status.set_defaults(handler=_status)

    advance = sub.add_parser("advance", help="move a running sandbox's clock forward")
    advance.add_argument("--minutes", type=float, required=True)
    advance.add_argument("--data-dir", type=Path)
    advance.set_defaults(handler=_advance)

    gen = sub.add_parser("generate", help="write a sandbox data dir with N orders (benchmarks)")
    _common(gen)
    gen.add_argument("--orders", type=int, required=True)
    gen.add_argument("--days", type=int, help="spread the orders over this many days")
    gen.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                     help="processes simulating in parallel (default: one per CPU)")
    gen.set_defaults(handler=_generate)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data-dir", type=Path, help="default TOWER_DATA_DIR")
    parser.add_argument("--seed", type=int, help="default TOWER_SANDBOX_SEED")


def _user_error(message: str) -> Exception:
    return UserError(message)


def _serve(args: argparse.Namespace) -> int:
    from tower.sandbox.server import Sandbox

    settings = args.settings
    try:
        spec = F.parse_spec(args.faults)
    except ValueError as exc:
        raise _user_error(f"--faults: {exc}") from None
    port = settings.sandbox_base_port if args.port is None else args.port
    try:
        sandbox = Sandbox(args.data_dir or settings.data_dir,
                          seed=settings.sandbox_seed if args.seed is None else args.seed,
                          days=settings.sandbox_days if args.days is None else args.days,
                          orders_per_day=args.orders_per_day,
                          live_orders_per_day=args.live_orders_per_day, base_port=port, host=args.host,
                          live=not args.no_live, faults=spec, rate_limit=args.rate_limit,
                          fresh=args.fresh)
        sandbox.start()
    except (ValueError, OSError) as exc:
        raise _user_error(f"sandbox: {exc}") from None
    print(json.dumps(sandbox.info(), indent=2), flush=True)
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    try:
        while not done.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return 0


def _info(args: argparse.Namespace) -> dict[str, Any]:
    from tower.sandbox.server import sandbox_root

    path = sandbox_root(args.data_dir or args.settings.data_dir) / "sandbox.json"
    if not path.exists():
        raise _user_error(f"no running sandbox found ({path} is missing); start `tower sandbox serve`")
    return json.loads(path.read_text())


def _control(args: argparse.Namespace, method: str, path: str, body: Any = None) -> Any:
    info = _info(args)
    try:
        response = httpx.request(method, info["admin_url"] + path, json=body, timeout=30,
                                 headers={"Authorization": f"Bearer {info['admin_token']}"})
    except httpx.HTTPError as exc:
        raise _user_error(f"the sandbox at {info['admin_url']} does not answer ({exc}); is it running?") from None
    if response.status_code != 200:
        raise _user_error(f"sandbox refused: {response.text}")
    return response.json()


def _faults(args: argparse.Namespace) -> int:
    try:
        spec = F.parse_spec(args.spec)
    except ValueError as exc:
        raise _user_error(str(exc)) from None
    result = _control(args, "POST" if spec else "GET", "/admin/faults", spec or None)
    print(json.dumps(result, indent=2))
    return 0


def _status(args: argparse.Namespace) -> int:
    print(json.dumps(_control(args, "GET", "/admin/state"), indent=2))
    return 0


def _advance(args: argparse.Namespace) -> int:
    print(json.dumps(_control(args, "POST", "/admin/advance", {"minutes": args.minutes})))
    return 0


def _generate(args: argparse.Namespace) -> int:
    from tower.sandbox.generate import generate

    settings = args.settings
    started = time.perf_counter()
    last = [started]

    def progress(made: int) -> None:
        if time.perf_counter() - last[0] > 5:
            last[0] = time.perf_counter()
            print(f"... {made} orders", file=sys.stderr, flush=True)

    counts: dict[str, Any] = dict(generate(args.data_dir or settings.data_dir,
                      seed=settings.sandbox_seed if args.seed is None else args.seed,
                      days=settings.sandbox_days if args.days is None else args.days,
                      orders=args.orders, progress=progress, workers=max(1, args.workers)))
    seconds = time.perf_counter() - started
    counts["seconds"] = round(seconds, 1)
    counts["orders_per_second"] = round(counts["orders"] / seconds)
    print(json.dumps(counts, indent=2))
    return 0
