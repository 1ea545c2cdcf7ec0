"""Read functions for /kpis: KPI values, trends, the orders behind a KPI, filter choices.

All numbers come from `kpi_daily` (one row per day x measure x filter combination, maintained
by `tower.kpis.facts`), so a page reads a few thousand rows whatever the size of the store;
the customer filter and the drill-down read `kpi_facts` by index. Periods are UTC days,
[start, end).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.backlog import lags
from tower.data.frames import missing_as_none
from tower.data.scope import Scope
from tower.kpis import compute
from tower.kpis.registry import BUCKETED, KPIS, STATUS_WORDS, Kpi, format_value, get, status
from tower.sqlfiles import load

_Q = load(__file__, "kpis.sql")
ALL = "*"
GRAINS = ("week", "month")
PENDING_CAP = 10_000  # marks read to count the backlog: the KPI job's batch

VALUE_COLUMNS = ["kpi_id", "name", "group", "value", "display", "target", "target_display",
                 "status", "status_word", "n", "unit", "filterable"]
TREND_COLUMNS = ["period", "value", "display", "n"]
DRILL_COLUMNS = ["order_id", "customer_id", "customer_name", "region", "warehouse", "channel",
                 "anchor_at", "result", "num", "den", "order_value", "stage", "status"]


@dataclass(frozen=True)
class KpiFilters:
    """What the KPI page is looking at. None = all values; end is exclusive."""

    start: date
    end: date
    region: str | None = None
    warehouse: str | None = None
    channel: str | None = None
    customer: str | None = None

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def dims(self) -> dict[str, str]:
        return {"region": self.region or ALL, "warehouse": self.warehouse or ALL,
                "channel": self.channel or ALL}


def last_days(today: date, days: int, **dims: str | None) -> KpiFilters:
    """The `days` whole UTC days up to and including `today`."""
    return KpiFilters(start=today - timedelta(days=days - 1), end=today + timedelta(days=1), **dims)


NO_WAREHOUSE = "(none)"  # matches no warehouse: what a scope without warehouses looks at


def within(filters: KpiFilters, scope: Scope) -> KpiFilters:
    """`filters` limited to `scope`: a limited scope always looks at one of its own warehouses
    (the chosen one if it is in scope, else its first), never at every warehouse."""
    if not scope.limited or scope.sees(filters.warehouse):
        return filters
    first = scope.warehouses[0] if scope.warehouses else NO_WAREHOUSE
    return KpiFilters(start=filters.start, end=filters.end, region=filters.region, warehouse=first,
                      channel=filters.channel, customer=filters.customer)


def _frame(rows) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=compute.CELL_COLUMNS if not rows else list(rows[0].keys()))
    for col in ("n", "num", "den"):
        if col in df:
            df[col] = df[col].astype(float)
    return df


def _cells(*, conn: Connection, f: KpiFilters, measures: list[str], scope: Scope) -> pd.DataFrame:
    filterable = sorted({k.measure for k in KPIS if k.filterable and k.measure in measures})
    # KPIs the filters do not apply to count every warehouse: not for a limited scope.
    global_ = [] if scope.limited else sorted({k.measure for k in KPIS if not k.filterable and k.measure in measures})
    params = {"start": f.start, "end": f.end, **f.dims()}
    if f.customer:
        rows = conn.execute(_Q["cells_customer"], {**params, "customer": f.customer,
                                                   "measures": filterable,
                                                   "bucketed": list(BUCKETED)}).mappings().all()
        extra = conn.execute(_Q["cells"], {**params, "measures": [], "global_measures": global_,
                                           "region": ALL, "warehouse": ALL, "channel": ALL}).mappings().all()
        return _frame([*rows, *extra])
    rows = conn.execute(_Q["cells"], {**params, "measures": filterable,
                                      "global_measures": global_}).mappings().all()
    return _frame(list(rows))


def kpi_values(*, conn: Connection, filters: KpiFilters, scope: Scope,
               kpi_ids: list[str] | None = None) -> pd.DataFrame:
    """One row per KPI (registry order). Columns VALUE_COLUMNS: value float|None (a fraction
    for %, hours for h, days for d), display str, target float, status str
    (on_target|near_target|off_target|no_data), status_word str, n float (the denominator
    used: opportunities for ratios, rows otherwise), unit str, filterable bool. `filters` are
    limited to `scope` (see `within`); KPIs the filters do not apply to have no data for a
    limited scope."""
    kpis = [get(k) for k in kpi_ids] if kpi_ids else list(KPIS)
    filters = within(filters, scope)
    cells = _cells(conn=conn, f=filters, measures=sorted({k.measure for k in kpis}), scope=scope)
    rows = []
    for k in kpis:
        v = compute.value(k, cells, days=filters.days)
        st = status(k, v)
        rows.append({"kpi_id": k.id, "name": k.name, "group": k.group, "value": v,
                     "display": format_value(k, v), "target": k.target,
                     "target_display": format_value(k, k.target), "status": st,
                     "status_word": STATUS_WORDS[st], "n": compute.sample_size(k, cells),
                     "unit": k.unit, "filterable": k.filterable})
    return _with_none(pd.DataFrame(rows, columns=VALUE_COLUMNS), rows)


def _with_none(df: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    # Keep "no data" as None (not NaN) so callers and the page can say so in words.
    df["value"] = pd.Series([r["value"] for r in rows], index=df.index, dtype=object)
    return df


def trend_window(today: date, grain: str) -> tuple[date, date]:
    """The default trend window: 13 whole weeks or 12 whole months up to today (inclusive)."""
    if grain == "week":
        start = today - timedelta(days=today.weekday()) - timedelta(weeks=12)
    elif grain == "month":
        y, m = today.year, today.month - 11
        while m <= 0:
            y, m = y - 1, m + 12
        start = date(y, m, 1)
    else:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    return start, today + timedelta(days=1)


def kpi_trend(*, conn: Connection, filters: KpiFilters, kpi_id: str, scope: Scope,
              grain: str = "week") -> pd.DataFrame:
    """One row per week (Monday) or month (1st) in [filters.start, filters.end), oldest first,
    including periods without data (value None). Columns TREND_COLUMNS: period date, value
    float|None, display str, n float. The last period may be partial."""
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, got {grain!r}")
    k = get(kpi_id)
    filters = within(filters, scope)
    dims = filters.dims() if k.filterable else {"region": ALL, "warehouse": ALL, "channel": ALL}
    params = {"grain": grain, "measure": k.measure, "start": filters.start, "end": filters.end, **dims}
    rows: list[Any]
    if scope.limited and not k.filterable:
        rows = []
    elif filters.customer and k.filterable:
        rows = list(conn.execute(_Q["trend_customer"], {**params, "customer": filters.customer,
                                                        "bucketed": list(BUCKETED)}).mappings().all())
    else:
        rows = list(conn.execute(_Q["trend"], params).mappings().all())
    cells = _frame(list(rows)) if rows else pd.DataFrame(columns=["period", *compute.CELL_COLUMNS])
    out = []
    for start, end in _periods(filters.start, filters.end, grain):
        mine = cells[cells["period"] == start] if not cells.empty else cells
        days = (min(end, filters.end) - max(start, filters.start)).days
        v = compute.value(k, mine, days=days)
        out.append({"period": start, "value": v, "display": format_value(k, v),
                    "n": compute.sample_size(k, mine)})
    return _with_none(pd.DataFrame(out, columns=TREND_COLUMNS), out)


def _periods(start: date, end: date, grain: str) -> list[tuple[date, date]]:
    if grain == "week":
        cur = start - timedelta(days=start.weekday())
        step = lambda d: d + timedelta(weeks=1)  # noqa: E731
    else:
        cur = start.replace(day=1)
        step = lambda d: date(d.year + (d.month == 12), d.month % 12 + 1, 1)  # noqa: E731
    out = []
    while cur < end:
        nxt = step(cur)
        out.append((cur, nxt))
        cur = nxt
    return out


def _result(k: Kpi, num: float, den: float) -> str:
    if k.stat == "ratio":
        if k.measure in ("fill_line", "fill_unit"):
            return f"{num:g} of {den:g}"
        return "met" if num >= den else "missed"
    if k.stat == "per_week":
        return "opened"
    return format_value(k, num) if k.unit != "h" or k.stat == "mean" else f"{num:.1f} h"


def kpi_orders(*, conn: Connection, filters: KpiFilters, kpi_id: str, scope: Scope,
               limit: int = 500) -> pd.DataFrame:
    """The orders (or exceptions) behind one KPI in the period, worst first: for ratios the
    misses (newest first) then the rest (newest first); for durations the largest values
    first; incidents newest first. One row per fact, at most `limit`. Columns DRILL_COLUMNS:
    order_id str|None (None for incidents), anchor_at tz-aware UTC, result str in words,
    num/den float (the row's contribution), order_value float|None."""
    k = get(kpi_id)
    filters = within(filters, scope)
    dims = filters.dims() if k.filterable else {"region": ALL, "warehouse": ALL, "channel": ALL}
    params = {"measure": k.measure, "start": filters.start, "end": filters.end, **dims,
              "customer": filters.customer if k.filterable else None, "limit": limit}
    rows: list[Any]
    if scope.limited and not k.filterable:
        rows = []
    elif k.stat == "ratio":
        rows = list(conn.execute(_Q["drill_newest"], {**params, "missed": True}).mappings().all())
        if len(rows) < limit:
            rows += conn.execute(_Q["drill_newest"], {**params, "missed": False,
                                                      "limit": limit - len(rows)}).mappings().all()
    elif k.stat == "per_week":
        rows = list(conn.execute(_Q["drill_newest"], {**params, "missed": False}).mappings().all())
    else:
        rows = list(conn.execute(_Q["drill_largest"], params).mappings().all())
    df = pd.DataFrame(rows, columns=[c for c in DRILL_COLUMNS if c != "result"] + ["subject"])
    df["result"] = [_result(k, n, d) for n, d in zip(df["num"], df["den"])]
    return missing_as_none(df[DRILL_COLUMNS].copy())


def filter_options(*, conn: Connection, today: date, scope: Scope) -> dict[str, list[str]]:
    """{'region': [...], 'warehouse': [...], 'channel': [...]} seen in the last year inside
    `scope`, sorted."""
    rows = [r for r in conn.execute(_Q["options"], {"since": today - timedelta(days=365)}).all()
            if scope.sees(r[1])]
    return {
        "region": sorted({r[0] for r in rows}),
        "warehouse": sorted({r[1] for r in rows}),
        "channel": sorted({r[2] for r in rows}),
    }


def pending_changes(*, conn: Connection) -> dict:
    """The KPI job's backlog: {"pending": changed orders/exceptions not yet counted (int),
    "capped": True when the backlog is larger than PENDING_CAP marks and "pending" is then a
    lower bound, "oldest": when the oldest of them changed (aware UTC datetime or None)}.
    While it is not zero the figures on /kpis are incomplete, and the page says so. Reads at
    most PENDING_CAP + 1 rows by index, whatever the backlog."""
    row = conn.execute(_Q["pending_changes"], {"cap": PENDING_CAP}).mappings().one()
    return {"pending": int(row["pending"]), "capped": bool(row["capped"]), "oldest": row["oldest"]}


def behind(backlog: dict, *, now: datetime) -> bool:
    """Whether a pending_changes() result means the figures lag more than the job's interval
    (tower.data.backlog): only then do the pages say they are catching up."""
    return lags(backlog.get("oldest"), now=now, capped=bool(backlog.get("capped")))


def pending_text(backlog: dict) -> str:
    """"1,234" or "at least 9,876" for a pending_changes() result."""
    return ("at least " if backlog.get("capped") else "") + f"{backlog['pending']:,}"


def kpi_span(*, conn: Connection, scope: Scope) -> tuple[date | None, date | None]:
    """The first and last UTC day holding KPI data inside `scope` (None, None when none)."""
    first, last = conn.execute(_Q["span"], {"warehouses": scope.param()}).one()
    return first, last
