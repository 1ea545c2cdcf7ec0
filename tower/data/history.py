"""Headline figures of an imported dataset, for `tower kpis show --dataset` and the tests that
check an import against its raw file: orders by status and stage, money (order value, freight,
invoiced, paid), and how many shipments and deliveries kept their promise.

Lateness here is the plain question "after the promise?" over the orders that have both times:
a shipment or delivery at or before `promised_at` is on time (a date-only promise is stored as
the end of its day, so the whole day counts).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.scope import Scope
from tower.sqlfiles import load

_Q = load(__file__, "history.sql")
PREFIXES = {"olist": "OL-", "northwind": "NW-", "scms": "SCMS-", "vbfa": "SAP-", "ocel": "PM4PY-"}


def _median_hours(delta: pd.Series) -> float | None:
    delta = delta.dropna()
    return None if delta.empty else float(delta.dt.total_seconds().median() / 3600)


def dataset_figures(*, conn: Connection, prefix: str, scope: Scope, start: datetime | None = None,
                    end: datetime | None = None) -> dict[str, Any]:
    """Figures of the orders in `scope` whose id starts with `prefix` (placed in [start, end)
    if given)."""
    params = {"prefix": prefix + "%", "start": start, "end": end, "warehouses": scope.param()}
    df = pd.DataFrame(conn.execute(_Q["orders"], params).mappings().all(),
                      columns=["order_id", "status", "stage", "value", "placed_at", "promised_at",
                               "last_shipped_at", "last_delivered_at", "shipments"])
    money = conn.execute(_Q["money"], params).mappings().one()
    for col in ("placed_at", "promised_at", "last_shipped_at", "last_delivered_at"):
        df[col] = pd.to_datetime(df[col], utc=True)
    shipped = df[df["last_shipped_at"].notna() & df["promised_at"].notna()]
    delivered = df[df["last_delivered_at"].notna() & df["promised_at"].notna()]
    return {
        "orders": int(len(df)),
        "by_status": {k: int(v) for k, v in df["status"].value_counts().sort_index().items()},
        "by_stage": {k: int(v) for k, v in df["stage"].value_counts().sort_index().items()},
        "order_value": float(df["value"].astype(float).sum()) if len(df) else 0.0,
        "shipments": int(df["shipments"].sum()) if len(df) else 0,
        "freight": float(money["freight"]),
        "invoices": int(money["invoices"]),
        "invoiced": float(money["invoiced"]),
        "paid": float(money["paid"]),
        "shipped_with_promise": int(len(shipped)),
        "shipped_late": int((shipped["last_shipped_at"] > shipped["promised_at"]).sum()),
        "delivered_with_promise": int(len(delivered)),
        "delivered_late": int((delivered["last_delivered_at"] > delivered["promised_at"]).sum()),
        "median_hours_to_ship": _median_hours(df["last_shipped_at"] - df["placed_at"]),
        "median_hours_to_deliver": _median_hours(df["last_delivered_at"] - df["placed_at"]),
        "first_placed_at": df["placed_at"].min().isoformat() if len(df) else None,
        "last_placed_at": df["placed_at"].max().isoformat() if len(df) else None,
    }
