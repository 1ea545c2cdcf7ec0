"""Reasons in words: the feature groups that pushed an order's score up the most, each said
with the order's own figures ("carrier ODFL's lane out of DAL-1 late 31% in the last 30 days",
"order waited 2.3 days for credit release"), and the ground-truth cause each group points at.

`explain(frame, names, contributions, top=3)` returns, per row, a list of
{"group", "cause", "text", "weight"} (weight in log-odds, strongest first; contributions under
0.05, about 5% on the odds, are not reasons worth a person's time). Built group by group over
column arrays, so a million orders take seconds, not minutes.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

from tower.risk.features import GROUPS, lane_rate

MIN_WEIGHT = 0.05
_STAGE_WORDS = {"entered": "waiting for validation", "credit_hold": "on credit hold",
                "backorder": "waiting for stock", "released": "waiting to be picked",
                "picked": "waiting to be packed", "packed": "waiting to ship",
                "shipped": "with the carrier"}
Cols = dict[str, np.ndarray]


def _num(frame: pd.DataFrame, name: str) -> np.ndarray:
    return pd.to_numeric(frame[name], errors="coerce").astype("float64").to_numpy()


def _z(value: float) -> float:
    return 0.0 if value != value else value  # NaN -> 0


def _promise(c: Cols, rows: np.ndarray) -> list[str]:
    out = []
    for h in c["hours_to_promise"][rows]:
        h = _z(h)
        out.append(f"promise passed {-h / 24:.1f} days ago" if h < 0 else
                   f"{h / 24:.1f} days left to the promise" if h >= 48 else f"{h:.0f} h left to the promise")
    return out


def _stage(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"{_STAGE_WORDS.get(str(s), str(s))} for {_z(h):.1f} h"
            for s, h in zip(c["stage"][rows], c["hours_in_stage"][rows])]


def _credit(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"on credit hold for {_z(h) / 24:.1f} days so far" if _z(held) else
            f"order waited {_z(h) / 24:.1f} days for credit release"
            for h, held in zip(c["hold_hours"][rows], c["on_hold"][rows])]


def _backorder(c: Cols, rows: np.ndarray) -> list[str]:
    out = []
    for n, after in zip(c["lines_short"][rows], c["restock_after_promise_hours"][rows]):
        lines = int(_z(n))
        text = f"{lines} line{'s' if lines != 1 else ''} short (backorder)"
        if after == after:  # not NaN
            days = after / 24
            text += (f", stock expected {days:.1f} days after the promise" if days > 0
                     else f", stock expected {-days:.1f} days before the promise")
        out.append(text)
    return out


def _queue(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"warehouse {w}'s pick queue holds {int(_z(d))} orders, waiting {_z(a):.1f} h on average"
            for w, d, a in zip(c["warehouse"][rows], c["queue_depth"][rows], c["queue_age_hours"][rows])]


def _lane(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"carrier {k}'s lane out of {w} late {_z(r):.0%} in the last 30 days"
            if s == "shipped" and isinstance(k, str) and k else
            f"shipments out of {w} late {_z(r):.0%} in the last 30 days"
            for s, k, w, r in zip(c["stage"][rows], c["carrier"][rows], c["warehouse"][rows], c["_lane_rate"][rows])]


def _carrier_promise(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"the carrier promises delivery {_z(h) / 24:.1f} days after the promise to the customer" if _z(h) > 0 else
            f"the carrier promises delivery {-_z(h) / 24:.1f} days before the promise to the customer"
            for h in c["carrier_after_promise_hours"][rows]]


def _customer(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"{t or 'unknown'}-tier customer, {ch or 'unknown'} order of {int(_z(n))} lines, ${_z(v):,.0f}"
            for t, ch, n, v in zip(c["customer_tier"][rows], c["channel"][rows], c["n_lines"][rows], c["value"][rows])]


_SOURCE_WORDS = {"erp": "the ERP", "wms": "the warehouse system", "carrier": "the carriers"}


def _freshness(c: Cols, rows: np.ndarray) -> list[str]:
    return [f"no news from {_SOURCE_WORDS.get(s, s)} about {w}'s orders for {_z(h):.1f} h"
            for s, w, h in zip(c["next_source"][rows], c["warehouse"][rows], c["source_quiet_hours"][rows])]


_WORDS: dict[str, Callable[[Cols, np.ndarray], list[str]]] = {
    "promise": _promise, "stage": _stage, "credit": _credit, "backorder": _backorder,
    "queue": _queue, "lane": _lane, "carrier_promise": _carrier_promise, "customer": _customer,
    "freshness": _freshness,
}
_NUMERIC = ("hours_to_promise", "hours_in_stage", "hold_hours", "on_hold", "lines_short",
            "restock_after_promise_hours", "queue_depth", "queue_age_hours",
            "carrier_after_promise_hours", "n_lines", "value", "source_quiet_hours")
_TEXT = ("stage", "warehouse", "carrier", "customer_tier", "channel", "next_source")


def explain(frame: pd.DataFrame, names: tuple[str, ...], contributions: np.ndarray,
            top: int = 3) -> list[list[dict[str, Any]]]:
    """The top positive contributions of each row, in words (see module doc)."""
    n = len(frame)
    if not n:
        return []
    cols: Cols = {name: _num(frame, name) for name in _NUMERIC}
    cols.update({name: frame[name].to_numpy(dtype=object) for name in _TEXT})
    cols["_lane_rate"] = lane_rate(frame)
    order = np.argsort(-contributions, axis=1)[:, :top]
    weights = np.take_along_axis(contributions, order, axis=1)
    out: list[list[dict[str, Any]]] = [[] for _ in range(n)]
    for k in range(order.shape[1]):  # strongest first: position k is appended before k + 1
        for j, group in enumerate(names):
            rows = np.nonzero((order[:, k] == j) & (weights[:, k] > MIN_WEIGHT))[0]
            if rows.size == 0:
                continue
            cause = GROUPS[group][1]
            for i, text, w in zip(rows.tolist(), _WORDS[group](cols, rows), weights[rows, k].tolist()):
                out[i].append({"group": group, "cause": cause, "text": text, "weight": round(w, 3)})
    return out
