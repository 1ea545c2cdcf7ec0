"""`tower kpis show [--from DAY --to DAY --warehouse W --region R --channel C --customer C
--dataset NAME --json]`: the KPI pack of any period, from the same code as the /kpis page
(`tower.data.kpis.kpi_values` over `kpi_daily`), so imported history can be reported on
without moving tower's clock.

The period is [--from, --to] in whole UTC days, both inclusive; without them it is every day
that holds KPI data. Before reading, pending KPI marks are drained (the KPI job's own
`refresh`, safe beside a running job), so the figures include everything stored so far;
`--no-refresh` reads what the job has already aggregated. Durations keep their precision
(registry.format_value): minutes below an hour, one decimal for hours and days.
"""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from typing import Any

from tower import sqlfiles

_Q = sqlfiles.load(__file__, "show.sql")


def _day(text: str, what: str) -> date:
    from tower.cli import UserError

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{what} must be a date like 2017-01-31, got {text!r}") from None


def kpi_pack(*, conn, start: date, end: date, region: str | None = None, warehouse: str | None = None,
             channel: str | None = None, customer: str | None = None) -> list[dict[str, Any]]:
    """One dict per KPI for [start, end) (end exclusive), as the page computes them."""
    from tower.data.kpis import KpiFilters, kpi_values
    from tower.kpis.registry import BY_ID, format_value

    frame = kpi_values(conn=conn, filters=KpiFilters(start=start, end=end, region=region, warehouse=warehouse,
                                                     channel=channel, customer=customer))
    out = []
    for row in frame.to_dict("records"):
        k = BY_ID[row["kpi_id"]]
        out.append({"id": k.id, "name": k.name, "group": k.group, "value": row["value"], "unit": k.unit,
                    "display": format_value(k, row["value"]), "target": k.target, "status": row["status"],
                    "n": row["n"], "formula": k.formula, "denominator": k.denominator, "exclusions": k.exclusions})
    return out


def handler(args: argparse.Namespace) -> int:
    from tower import clock
    from tower.cli import UserError
    from tower.cli_db import open_engine
    from tower.kpis import facts
    from tower.kpis.registry import BY_ID, format_value

    engine = open_engine(args.settings, migrate_first=True)
    if not args.no_refresh:
        with engine.begin() as conn:
            facts.refresh_all(conn, now=clock.now())
    with engine.connect() as conn:
        first, last = conn.execute(_Q["span"]).one()
        start = _day(args.start, "--from") if args.start else first
        last_day = _day(args.end, "--to") if args.end else last
        if start is None or last_day is None:
            raise UserError("no KPI data in the store yet: import or collect some orders first")
        if last_day < start:
            raise UserError(f"--to {last_day} is before --from {start}")
        end = last_day + timedelta(days=1)
        pack = kpi_pack(conn=conn, start=start, end=end, region=args.region, warehouse=args.warehouse,
                        channel=args.channel, customer=args.customer)
        figures = None
        if args.dataset:
            from datetime import datetime, time, timezone

            from tower.data.history import PREFIXES, dataset_figures

            figures = dataset_figures(conn=conn, prefix=PREFIXES[args.dataset],
                                      start=datetime.combine(start, time(0), tzinfo=timezone.utc) if args.start else None,
                                      end=datetime.combine(end, time(0), tzinfo=timezone.utc) if args.end else None)
    period = {"from": start.isoformat(), "to": last_day.isoformat(), "days": (end - start).days,
              "region": args.region, "warehouse": args.warehouse, "channel": args.channel, "customer": args.customer}
    if args.json:
        print(json.dumps({"period": period, "kpis": pack, **({"dataset": figures} if figures else {})},
                         default=str, indent=2))
        return 0
    print(f"KPIs {start} .. {last_day} ({period['days']} days)"
          + "".join(f", {k} {v}" for k, v in period.items() if k in ("region", "warehouse", "channel", "customer") and v))
    width = max(len(k["name"]) for k in pack)
    for k in pack:
        print(f"  {k['name']:<{width}}  {k['display']:>10}  target {format_value(BY_ID[k['id']], k['target']):>8}  "
              f"{k['status'].replace('_', ' '):<11}  n={k['n']:.0f}")
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
    q.set_defaults(handler=handler)
