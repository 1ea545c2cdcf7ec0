"""The backtest: the model against the rules baseline on the same held-out points.

The rules baseline is tower's own "at risk" rule: an order is at risk once it has used
`escalation.at_risk` (75%) of its current stage's SLA or of the time from placement to its
promise. Stage SLAs are read from the policy (stages and holds, without overrides) and counted
in wall-clock hours here (the live rule counts business hours on the warehouse's calendar:
this is the nearest the rule can be replayed over past points without its calendars), and the
shipped stage's clock runs to the carrier's promised delivery, as the live rule's does.

Figures, for each of `model` and `baseline`: brier, auc, precision and recall at the operating
threshold, n (points), orders, flagged, and a calibration curve (mean predicted, observed share,
count per bin). `earlier`: for the held-out orders that did miss, how many hours before the
baseline the model first flagged them (median and mean over the orders both flagged; and how
many only one of them flagged).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_STAGE_SLA_KEYS = {"entered": ("stages", "entered"), "released": ("stages", "released"),
                   "picked": ("stages", "picked"), "packed": ("stages", "packed"),
                   "credit_hold": ("holds", "credit_hold"), "backorder": ("holds", "backorder")}


def stage_sla_hours(policy: Any) -> dict[str, float]:
    """The policy's SLA hours per point stage (shipped runs to the carrier's promise)."""
    return {stage: float(getattr(policy, section)[name]["sla_hours"])
            for stage, (section, name) in _STAGE_SLA_KEYS.items()}


def baseline_flags(frame: pd.DataFrame, *, at_risk: float, sla_hours: dict[str, float]) -> np.ndarray:
    """1 where the rules would call the order at risk at its point, else 0."""
    if frame.empty:
        return np.zeros(0)
    in_stage = frame["hours_in_stage"].astype(float).to_numpy()
    to_promise = frame["hours_to_promise"].astype(float).to_numpy()
    promise = frame["promise_hours"].astype(float).to_numpy()
    carrier_after = pd.to_numeric(frame["carrier_after_promise_hours"], errors="coerce").fillna(0).to_numpy()
    sla = frame["stage"].map(sla_hours).astype(float).to_numpy()
    shipped_total = in_stage + carrier_after + to_promise
    with np.errstate(divide="ignore", invalid="ignore"):
        stage_used = np.where(frame["stage"].to_numpy() == "shipped",
                              np.where(shipped_total > 0, in_stage / shipped_total, 1.0),
                              in_stage / sla)
        promise_used = np.where(promise > 0, (promise - to_promise) / promise, 1.0)
    return ((np.nan_to_num(stage_used, nan=0.0) >= at_risk) | (promise_used >= at_risk)).astype(float)


def _curve(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict[str, float]]:
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(p, edges[1:-1]), 0, bins - 1)
    out = []
    for b in range(bins):
        mask = which == b
        if mask.any():
            out.append({"predicted": float(p[mask].mean()), "observed": float(y[mask].mean()),
                        "count": int(mask.sum())})
    return out


def figures(y: np.ndarray, p: np.ndarray, threshold: float, orders: np.ndarray) -> dict[str, Any]:
    """Brier, AUC, precision and recall at `threshold`, sample sizes and a calibration curve."""
    from sklearn.metrics import roc_auc_score

    flagged = p >= threshold
    hits = float((flagged & (y == 1)).sum())
    auc = float(roc_auc_score(y, p)) if len(np.unique(y)) == 2 else None
    return {
        "brier": float(np.mean((p - y) ** 2)) if len(y) else None,
        "auc": auc,
        "precision": hits / float(flagged.sum()) if flagged.sum() else None,
        "recall": hits / float((y == 1).sum()) if (y == 1).sum() else None,
        "n": int(len(y)), "orders": int(len(np.unique(orders))), "flagged": int(flagged.sum()),
        "positives": int((y == 1).sum()), "threshold": threshold, "calibration": _curve(y, p),
    }


def hours_earlier(frame: pd.DataFrame, model_flag: np.ndarray, base_flag: np.ndarray) -> dict[str, Any]:
    """For orders that missed: the model's first flag against the baseline's, in hours."""
    data = pd.DataFrame({"order_id": frame["order_id"].to_numpy(), "as_of": pd.to_datetime(frame["as_of"], utc=True),
                         "missed": frame["missed"].astype(int).to_numpy(), "model": model_flag, "base": base_flag})
    data = data[data["missed"] == 1]
    first_model = data[data["model"] > 0].groupby("order_id")["as_of"].min()
    first_base = data[data["base"] > 0].groupby("order_id")["as_of"].min()
    both = first_model.index.intersection(first_base.index)
    gaps = ((first_base[both] - first_model[both]).dt.total_seconds() / 3600.0).to_numpy()
    return {
        "missed_orders": int(data["order_id"].nunique()),
        "flagged_by_both": int(len(both)),
        "only_model": int(len(first_model.index.difference(first_base.index))),
        "only_baseline": int(len(first_base.index.difference(first_model.index))),
        "median_hours": float(np.median(gaps)) if len(gaps) else None,
        "mean_hours": float(np.mean(gaps)) if len(gaps) else None,
    }


def run(frame: pd.DataFrame, scores: np.ndarray, *, threshold: float, at_risk: float,
        sla_hours: dict[str, float]) -> dict[str, Any]:
    """The whole backtest on a labelled frame and the model's scores for its rows."""
    y = frame["missed"].astype(int).to_numpy()
    orders = frame["order_id"].to_numpy()
    base = baseline_flags(frame, at_risk=at_risk, sla_hours=sla_hours)
    return {
        "model": figures(y, scores, threshold, orders),
        "baseline": {**figures(y, base, 0.5, orders), "rule": f"escalation.at_risk = {at_risk:g}"},
        "earlier": hours_earlier(frame, (scores >= threshold).astype(float), base),
    }
