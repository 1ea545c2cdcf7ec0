"""Read functions for /flow: the observed process map, the slowest transitions, conformance.

Everything reads the maintained facts of `tower.process.refresh` (`flow_transitions`,
`flow_orders`), aggregated set-based in SQL; nothing loads the event log into Python. Orders
are selected by when they were placed, [start, end) in UTC, and by the page's dimensions; the
viewer's scope limits the warehouses. Durations are business hours on the order's warehouse
calendar (wall-clock hours where a column says so).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data import flow_daily
from tower.data.backlog import lags
from tower.data.scope import Scope
from tower.milestones import KINDS
from tower.sqlfiles import load

_Q = load(__file__, "flow.sql")
ALL = "*"
OBJECT_TYPES = ("order", "line", "shipment", "invoice")
GRAINS = ("day", "week", "month")
MAP_COLUMNS = ["from_kind", "to_kind", "from_label", "to_label", "n", "median_hours",
               "p90_hours", "total_hours", "median_wall_hours"]
BOTTLENECK_COLUMNS = ["from_kind", "to_kind", "from_label", "to_label", "n", "total_hours",
                      "mean_hours", "previous_n", "previous_total_hours", "change_hours", "change_pct"]
DEVIATION_COLUMNS = ["deviation", "label", "orders", "share", "accepted_orders", "cycle_median",
                     "cycle_n", "conforming_cycle_median", "conforming_cycle_n", "cycle_delta"]
TREND_COLUMNS = ["period", "orders", "conforming", "rate"]
DEVIATION_LABELS = {
    "missing_step": "Missing step",
    "out_of_sequence": "Out of sequence",
    "repeated_step": "Repeated step",
    "step_after_cancellation": "Step after cancellation",
    "released_before_credit_release": "Released before credit release",
    "shipped_before_credit_release": "Shipped before credit release",
    "invoiced_before_shipped": "Invoiced before shipped",
    "paid_before_invoiced": "Paid before invoiced",
}


@dataclass(frozen=True)
class FlowFilters:
    """What /flow looks at. None = every value; `end` is exclusive (UTC days)."""

    start: date
    end: date
    warehouse: str | None = None
    channel: str | None = None
    tier: str | None = None
    carrier: str | None = None

    def previous(self) -> "FlowFilters":
        """The period of the same length just before this one."""
        span = self.end - self.start
        return replace(self, start=self.start - span, end=self.start)


def last_days(today: date, days: int, **dims: str | None) -> FlowFilters:
    """The `days` whole UTC days up to and including `today`."""
    return FlowFilters(start=today - timedelta(days=days - 1), end=today + timedelta(days=1), **dims)


def label(kind: str) -> str:
    """A milestone kind in words ('start' is the object's first event)."""
    if kind == "start":
        return "Start"
    return KINDS[kind].label if kind in KINDS else kind


def deviation_label(deviation: str) -> str:
    """'out_of_sequence:shipped' -> 'Out of sequence: Shipped'."""
    kind, _, step = deviation.partition(":")
    words = DEVIATION_LABELS.get(kind, kind.replace("_", " ").capitalize())
    return f"{words}: {label(step)}" if step else words


def _utc(day: date) -> datetime:
    return datetime.combine(day, time(0), timezone.utc)


def _params(f: FlowFilters, scope: Scope, **extra: Any) -> dict[str, Any]:
    return {"start": _utc(f.start), "end": _utc(f.end), "warehouse": f.warehouse or ALL,
            "channel": f.channel or ALL, "tier": f.tier or ALL, "carrier": f.carrier or ALL,
            "warehouses": scope.param(), **extra}


def _object_type(object_type: str) -> str:
    if object_type not in OBJECT_TYPES:
        raise ValueError(f"object type must be one of {', '.join(OBJECT_TYPES)}")
    return object_type


def process_map(*, conn: Connection, filters: FlowFilters, scope: Scope,
                object_type: str = "order", exact: bool = False) -> pd.DataFrame:
    """One row per observed transition (from_kind -> to_kind) of `object_type`'s objects.

    Columns: from_kind, to_kind (str; from_kind 'start' = the object's first event), their
    labels, n (int, transitions), median_hours, p90_hours,
    total_hours (float, business hours; 0 from 'start'), median_wall_hours (float). Sorted by
    n descending. An activity's frequency is the sum of n into it. From the daily rollups unless
    `exact` or they cannot answer (tower.data.flow_daily: quantiles within its stated bound).
    """
    ot = _object_type(object_type)
    bound = None if exact else flow_daily.params(filters, scope, object_type=ot)
    rows = (flow_daily.rows("process_map", conn=conn, bound=bound) if bound is not None else
            conn.execute(_Q["process_map"], _params(filters, scope, object_type=ot)).mappings().all())
    # one ordered-set aggregate gives both quantiles (one sort per transition instead of two)
    records = [{**{k: v for k, v in r.items() if k != "business_quantiles"},
                "median_hours": (r["business_quantiles"] or [None, None])[0],
                "p90_hours": (r["business_quantiles"] or [None, None])[1]} for r in rows]
    df = pd.DataFrame(records, columns=[c for c in MAP_COLUMNS if "label" not in c])
    df["from_label"] = df["from_kind"].map(label)
    df["to_label"] = df["to_kind"].map(label)
    for col in ("median_hours", "p90_hours", "total_hours", "median_wall_hours"):
        df[col] = df[col].astype(float)
    return df[MAP_COLUMNS].sort_values(["n", "from_kind", "to_kind"], ascending=[False, True, True],
                                       ignore_index=True)


def activities(transitions: pd.DataFrame) -> pd.DataFrame:
    """Activities of a process map: kind, label, n (events = transitions into the kind)."""
    if transitions.empty:
        return pd.DataFrame(columns=["kind", "label", "n"])
    df = transitions.groupby("to_kind", as_index=False)["n"].sum().rename(columns={"to_kind": "kind"})
    df["label"] = df["kind"].map(label)
    return df[["kind", "label", "n"]].sort_values(["n", "kind"], ascending=[False, True], ignore_index=True)


def _waiting(conn: Connection, filters: FlowFilters, scope: Scope, object_type: str, exact: bool) -> pd.DataFrame:
    bound = None if exact else flow_daily.params(filters, scope, object_type=object_type)
    rows = (flow_daily.rows("waiting", conn=conn, bound=bound) if bound is not None else
            [dict(r) for r in conn.execute(_Q["waiting"], _params(filters, scope, object_type=object_type)).mappings()])
    return pd.DataFrame(rows, columns=["from_kind", "to_kind", "n", "total_hours"])


def bottlenecks(*, conn: Connection, filters: FlowFilters, scope: Scope, object_type: str = "order",
                limit: int = 15, exact: bool = False) -> pd.DataFrame:
    """The transitions with the most total waiting (sum of business hours = frequency x mean
    duration), and the same figures for the previous period of equal length.

    Columns: from_kind, to_kind, labels, n, total_hours, mean_hours, previous_n,
    previous_total_hours (0 when absent), change_hours (total - previous total), change_pct
    (None without a previous total). Largest total first.
    """
    ot = _object_type(object_type)
    now = _waiting(conn, filters, scope, ot, exact)
    before = _waiting(conn, filters.previous(), scope, ot, exact)
    df = now.merge(before.rename(columns={"n": "previous_n", "total_hours": "previous_total_hours"}),
                   on=["from_kind", "to_kind"], how="left")
    df["total_hours"] = df["total_hours"].astype(float).fillna(0.0)
    df["previous_n"] = df["previous_n"].fillna(0).astype(int)
    df["previous_total_hours"] = df["previous_total_hours"].astype(float).fillna(0.0)
    df["mean_hours"] = df["total_hours"] / df["n"]
    df["change_hours"] = df["total_hours"] - df["previous_total_hours"]
    df["change_pct"] = [None if p == 0 else 100.0 * c / p for c, p in zip(df["change_hours"], df["previous_total_hours"])]
    df["from_label"] = df["from_kind"].map(label)
    df["to_label"] = df["to_kind"].map(label)
    df = df.sort_values(["total_hours", "from_kind", "to_kind"], ascending=[False, True, True], ignore_index=True)
    return df[BOTTLENECK_COLUMNS].head(limit)


def transition_orders(*, conn: Connection, filters: FlowFilters, scope: Scope, from_kind: str,
                      to_kind: str, object_type: str = "order", limit: int = 200) -> pd.DataFrame:
    """The objects behind one transition, longest business wait first.

    Columns: order_id, object_id, from_at, to_at (tz-aware UTC), business_hours, wall_hours,
    warehouse, channel, customer_tier, carrier.
    """
    rows = conn.execute(_Q["transition_orders"], _params(
        filters, scope, object_type=_object_type(object_type), from_kind=from_kind, to_kind=to_kind,
        limit=limit)).mappings().all()
    return pd.DataFrame([dict(r) for r in rows],
                        columns=["order_id", "object_id", "from_at", "to_at", "business_hours", "wall_hours",
                                 "warehouse", "channel", "customer_tier", "carrier"])


def conformance(*, conn: Connection, filters: FlowFilters, scope: Scope, exact: bool = False) -> dict[str, Any]:
    """The conformance summary of the orders in the filter.

    Keys: orders (int), conforming (int: no deviation outside the allowlist), rate (float 0-1
    or None without orders), cycle_median / cycle_n (conforming completed orders, business
    hours), deviating_cycle_median / deviating_cycle_n, and `deviations`: a DataFrame, one row
    per deviation type found (DEVIATION_COLUMNS): orders having it (not accepted), share of all
    orders, accepted_orders, the median cycle time and count of completed orders having it, the
    conforming orders' figures beside it and cycle_delta (deviating minus conforming median).
    """
    bound = None if exact else flow_daily.params(filters, scope)
    if bound is not None:
        totals, rows = flow_daily.conformance_rows(conn=conn, bound=bound)
    else:
        params = _params(filters, scope)
        totals = dict(conn.execute(_Q["conformance_totals"], params).mappings().one())
        rows = [dict(r) for r in conn.execute(_Q["deviation_counts"], params).mappings()]
    n = int(totals["orders"])
    dev = pd.DataFrame(rows, columns=["deviation", "orders", "accepted_orders", "cycle_median", "cycle_n"])
    dev["label"] = dev["deviation"].map(deviation_label)
    dev["share"] = dev["orders"] / n if n else 0.0
    dev["cycle_median"] = dev["cycle_median"].astype(float)
    dev["conforming_cycle_median"] = float(totals["cycle_median"]) if totals["cycle_median"] is not None else None
    dev["conforming_cycle_n"] = int(totals["cycle_n"])
    dev["cycle_delta"] = dev["cycle_median"] - dev["conforming_cycle_median"].astype(float)
    dev = dev.sort_values(["orders", "deviation"], ascending=[False, True], ignore_index=True)[DEVIATION_COLUMNS]
    return {"orders": n, "conforming": int(totals["conforming"]),
            "rate": (int(totals["conforming"]) / n) if n else None,
            "cycle_median": totals["cycle_median"], "cycle_n": int(totals["cycle_n"]),
            "deviating_cycle_median": totals["deviating_cycle_median"],
            "deviating_cycle_n": int(totals["deviating_cycle_n"]), "deviations": dev}


def conformance_trend(*, conn: Connection, filters: FlowFilters, scope: Scope,
                      grain: str = "week", exact: bool = False) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Conformance per period (`grain` of the placing day, UTC).

    Returns (rates, types): rates has period (date), orders, conforming, rate (0-1); types
    has period, deviation, orders, share (of that period's orders), one row per type found.
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {', '.join(GRAINS)}")
    bound = None if exact else flow_daily.params(filters, scope, grain=grain)
    rows = (flow_daily.rows("trend", conn=conn, bound=bound) if bound is not None else
            conn.execute(_Q["conformance_trend"], _params(filters, scope, grain=grain)).mappings().all())
    rates = pd.DataFrame([{"period": r["period"], "orders": r["orders"], "conforming": r["conforming"],
                           "rate": r["conforming"] / r["orders"] if r["orders"] else None} for r in rows],
                         columns=TREND_COLUMNS)
    types = pd.DataFrame([{"period": r["period"], "deviation": k, "orders": v, "share": v / r["orders"]}
                          for r in rows for k, v in sorted((r["types"] or {}).items())],
                         columns=["period", "deviation", "orders", "share"])
    return rates, types


def order_deviations(*, conn: Connection, order_id: str, scope: Scope) -> list[dict[str, Any]] | None:
    """One order's deviations: [{deviation, label, accepted}] (empty: it conforms); None when
    its facts are not built yet or it is outside the scope."""
    row = conn.execute(_Q["order_verdict"], {"order_id": order_id, "warehouses": scope.param()}).mappings().first()
    if row is None:
        return None
    accepted = set(row["accepted"])
    return [{"deviation": d, "label": deviation_label(d), "accepted": d in accepted} for d in row["deviations"]]


def filter_options(*, conn: Connection, scope: Scope) -> dict[str, list[str]]:
    """The values each filter can take: {'channel': [...], 'tier': [...], 'carrier': [...],
    'warehouse': [...]} among the orders in scope."""
    out: dict[str, list[str]] = {"channel": [], "tier": [], "carrier": [], "warehouse": []}
    for r in conn.execute(_Q["options"], {"warehouses": scope.param()}):
        out[r.dim].append(r.value)
    return out


def pending(*, conn: Connection, scope: Scope, now: datetime) -> tuple[int, bool]:
    """(orders in scope whose flow facts are not rebuilt yet, whether that lags more than the
    job's interval: tower.data.backlog — only then do the figures "catch up")."""
    count, oldest = conn.execute(_Q["freshness"], {"warehouses": scope.param()}).one()
    return int(count), lags(oldest, now=now)
