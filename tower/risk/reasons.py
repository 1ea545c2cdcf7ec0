"""Reasons in words: the feature groups that pushed an order's score up the most, each said
with the order's own figures ("carrier ODFL's lane out of DAL-1 late 31% in the last 30 days",
"waited 2.3 days for credit release"), and the ground-truth cause each group points at.

`explain(frame, names, contributions, top=3)` returns, per row, a list of
{"group", "cause", "text", "weight"} (weight in log-odds, strongest first, positive only).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from tower.risk.features import GROUPS, lane_rate

_STAGE_WORDS = {"entered": "waiting for validation", "credit_hold": "on credit hold",
                "backorder": "waiting for stock", "released": "waiting to be picked",
                "picked": "waiting to be packed", "packed": "waiting to ship",
                "shipped": "with the carrier"}


def _f(row: dict[str, Any], key: str) -> float:
    value = row.get(key)
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if np.isnan(number) else number


def _promise(row: dict[str, Any]) -> str:
    hours = _f(row, "hours_to_promise")
    if hours < 0:
        return f"promise passed {-hours / 24:.1f} days ago"
    return f"{hours / 24:.1f} days left to the promise" if hours >= 48 else f"{hours:.0f} h left to the promise"


def _stage(row: dict[str, Any]) -> str:
    hours = _f(row, "hours_in_stage")
    return f"{_STAGE_WORDS.get(str(row.get('stage')), str(row.get('stage')))} for {hours:.1f} h"


def _credit(row: dict[str, Any]) -> str:
    days = _f(row, "hold_hours") / 24
    if _f(row, "on_hold"):
        return f"on credit hold for {days:.1f} days so far"
    return f"order waited {days:.1f} days for credit release"


def _backorder(row: dict[str, Any]) -> str:
    lines = int(_f(row, "lines_short"))
    after = row.get("restock_after_promise_hours")
    text = f"{lines} line{'s' if lines != 1 else ''} short (backorder)"
    if after is not None and not pd.isna(after):
        days = float(after) / 24
        text += (f", stock expected {days:.1f} days after the promise" if days > 0
                 else f", stock expected {-days:.1f} days before the promise")
    return text


def _queue(row: dict[str, Any]) -> str:
    return (f"warehouse {row.get('warehouse')}'s pick queue holds {int(_f(row, 'queue_depth'))} orders, "
            f"waiting {_f(row, 'queue_age_hours'):.1f} h on average")


def _lane(row: dict[str, Any]) -> str:
    rate = _f(row, "_lane_rate")
    if row.get("stage") == "shipped" and row.get("carrier"):
        return f"carrier {row.get('carrier')}'s lane out of {row.get('warehouse')} late {rate:.0%} in the last 30 days"
    return f"shipments out of {row.get('warehouse')} late {rate:.0%} in the last 30 days"


def _carrier_promise(row: dict[str, Any]) -> str:
    days = _f(row, "carrier_after_promise_hours") / 24
    if days > 0:
        return f"the carrier promises delivery {days:.1f} days after the promise to the customer"
    return f"the carrier promises delivery {-days:.1f} days before the promise to the customer"


def _customer(row: dict[str, Any]) -> str:
    return (f"{row.get('customer_tier') or 'unknown'}-tier customer, {row.get('channel') or 'unknown'} order "
            f"of {int(_f(row, 'n_lines'))} lines, ${_f(row, 'value'):,.0f}")


_WORDS: dict[str, Callable[[dict[str, Any]], str]] = {
    "promise": _promise, "stage": _stage, "credit": _credit, "backorder": _backorder,
    "queue": _queue, "lane": _lane, "carrier_promise": _carrier_promise, "customer": _customer,
}


def explain(frame: pd.DataFrame, names: tuple[str, ...], contributions: np.ndarray,
            top: int = 3) -> list[list[dict[str, Any]]]:
    """The top positive contributions of each row, in words (see module doc)."""
    if frame.empty:
        return []
    rows = frame.assign(_lane_rate=lane_rate(frame)).to_dict("records")
    order = np.argsort(-contributions, axis=1)[:, :top]
    out = []
    for i, row in enumerate(rows):
        reasons = []
        for j in order[i]:
            weight = float(contributions[i, j])
            if weight <= 0.05:  # below ~5% on the odds: not a reason worth a person's time
                break
            group = names[j]
            reasons.append({"group": group, "cause": GROUPS[group][1], "text": _WORDS[group](row),
                            "weight": round(weight, 3)})
        out.append(reasons)
    return out
