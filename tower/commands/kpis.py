"""`tower kpis show [--from DAY --to DAY --warehouse W --region R --channel C --customer C
--dataset NAME --json]`: the KPI pack of any period, from the same code as the /kpis page
(`tower.data.kpis.kpi_values` over `kpi_daily`), so imported history can be reported on
without moving tower's clock.

The period is [--from, --to] in whole UTC days, both inclusive; without them it is every day
that holds KPI data. A command sees every warehouse; --warehouse and the other dimensions
filter as the page's filters do (KPIs the filters do not apply to, marked "all orders", count
every warehouse, region and channel). Before reading, pending KPI marks are drained (the KPI
job's own `refresh`, safe beside a running job), so the figures include everything stored so
far; `--no-refresh` reads what the job has already aggregated. Durations keep their precision
(registry.format_value): minutes below an hour, one decimal for hours and days.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from tower.errors import UserError


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} must be a date like 2017-01-31, got {text!r}") from None


def _pack(frame) -> list[dict[str, Any]]:
    """kpi_values rows with what the registry says about each KPI (formula, denominator,
    exclusions), for --json."""
    from tower.kpis.registry import BY_ID

    out = []
    for row in frame.to_dict("records"):
        k = BY_ID[row["kpi_id"]]
        out.append({"id": k.id, "name": k.name, "group": k.group, "value": row["value"], "unit": k.unit,
                    "display": row["display"], "target": k.target, "target_display": row["target_display"],
                    "status": row["status"], "n": row["n"], "filterable": bool(row["filterable"]),
                    "formula": k.formula, "denominator": k.denominator, "exclusions": k.exclusions})
    return out


def _show(args: argparse.Namespace) -> int:
    from tower import clock
    from tower.commands.db import open_engine
    from tower.data.history import PREFIXES, dataset_figures
    from tower.data.kpis import KpiFilters, kpi_span, kpi_values
    from tower.data.scope import Scope
    from tower.kpis import facts
    from tower.rules.policy import load as load_policy

    scope = Scope.everything()
    engine = open_engine(args.settings, migrate_first=True)
    if not args.no_refresh:
        policy = load_policy(args.settings.policy_path)
        with engine.begin() as conn:
            facts.refresh_all(conn=conn, now=clock.now(), policy=policy)
    with engine.connect() as conn:
        first, last = kpi_span(conn=conn, scope=scope)
        start = _day(args.start, "--from") if args.start else first
        last_day = _day(args.end, "--to") if args.end else last
        if start is None or last_day is None:
            raise UserError("no KPI data in the store yet: import or collect some orders first")
        if last_day < start:
            raise UserError(f"--to {last_day} is before --from {start}")
        end = last_day + timedelta(days=1)
        filters = KpiFilters(start=start, end=end, region=args.region, warehouse=args.warehouse,
                             channel=args.channel, customer=args.customer)
        pack = _pack(kpi_values(conn=conn, filters=filters, scope=scope))
        figures = None
        if args.dataset:
            # The dataset's own figures follow --warehouse too (they are order rows).
            figures_scope = Scope.of("admin", [args.warehouse]) if args.warehouse else scope
            figures = dataset_figures(
                conn=conn, prefix=PREFIXES[args.dataset], scope=figures_scope,
                start=datetime.combine(start, time(0), tzinfo=timezone.utc) if args.start else None,
                end=datetime.combine(end, time(0), tzinfo=timezone.utc) if args.end else None)
    period = {"from": start.isoformat(), "to": last_day.isoformat(), "days": (end - start).days,
              "region": args.region, "warehouse": args.warehouse, "channel": args.channel, "customer": args.customer}
    if args.json:
        print(json.dumps({"period": period, "kpis": pack, **({"dataset": figures} if figures else {})},
                         default=str, indent=2))
        return 0
    dims = [f", {k} {v}" for k, v in period.items() if k in ("region", "warehouse", "channel", "customer") and v]
    print(f"KPIs {start} .. {last_day} ({period['days']} days)" + "".join(dims))
    width = max(len(k["name"]) for k in pack)
    for k in pack:
        note = "  (all orders)" if dims and not k["filterable"] else ""
        print(f"  {k['name']:<{width}}  {k['display']:>10}  target {k['target_display']:>8}  "
              f"{k['status'].replace('_', ' '):<11}  n={k['n']:.0f}{note}")
    if figures:
        print(f"dataset {args.dataset}:")
        for key, value in figures.items():
            print(f"  {key}: {value}")
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    from tower.data.history import PREFIXES

    p = sub.add_parser("kpis", help="the KPI pack of any period", description=__doc__,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    ksub = p.add_subparsers(dest="kpis_command", metavar="<command>", required=True)
    q = ksub.add_parser("show", help="print the KPIs of a period (text or --json)", description=__doc__,
                        formatter_class=argparse.RawDescriptionHelpFormatter)
    q.add_argument("--from", dest="start", metavar="DAY", help="first day (UTC), e.g. 2017-01-01")
    q.add_argument("--to", dest="end", metavar="DAY", help="last day (UTC), inclusive")
    for dim in ("warehouse", "region", "channel", "customer"):
        q.add_argument(f"--{dim}", help=f"only this {dim}")
    q.add_argument("--dataset", choices=sorted(PREFIXES), help="also print an imported dataset's headline figures")
    q.add_argument("--json", action="store_true", help="machine-readable output")
    q.add_argument("--no-refresh", action="store_true", help="do not drain pending KPI marks first")
    q.set_defaults(handler=_show)
