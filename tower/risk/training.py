"""Training: fit a candidate on tower's own history, backtest it, and promote it only if it
does at least as well as the model in service on the same held-out points.

The window is the `risk_model.window_days` before now, up to `label_days` ago (an order that
old has an outcome: delivered on time, delivered late, or past its promise undelivered). The
first 70% of the window (by placement) trains, the rest is held out for the backtest. People's
verdicts on flags (accepted = will miss, dismissed = will not) label orders whose outcome is
not known yet; they train but are never in the backtest, which judges against outcomes only.
`training_set` is what a training sees (tests read it); the backtest's `training` records how
many points and orders trained, and how many orders a verdict labelled (`reviewed_orders`,
`reviewed_accepted`, `reviewed_dismissed`; `labels_from_reviews` counts their points).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from tower.risk import backtest, registry
from tower.risk.features import matrix, training_frame
from tower.risk.model import fit
from tower.rules.policy import Policy

TRAIN_SHARE = 0.7
# A candidate whose Brier score is within this of the model in service's is as good: two fits of
# the same history can differ in the last digits (the rows come back in another order, so every
# sum is taken in another order), and "worse in the twelfth digit" rejected an equally good
# retrain. A real difference between models is a thousand times larger.
BRIER_TIE = 1e-6


@dataclass(frozen=True)
class TrainResult:
    version: str | None
    promoted: bool
    reason: str
    backtest: dict[str, Any] | None


def operating_threshold(policy: Policy) -> float:
    rights = policy.decision_rights.get(registry.KIND)
    return rights.threshold if rights else 0.5


@dataclass(frozen=True)
class TrainingSet:
    """What one training sees: the points, their labels (the outcome where it is known, else a
    person's verdict), which points train and which are held out for the backtest."""
    frame: pd.DataFrame
    labels: np.ndarray       # 1 = missed (or accepted as will-miss), 0 = on time (or dismissed)
    train_rows: np.ndarray   # bool per point
    test_rows: np.ndarray    # bool per point: outcomes only, never a verdict
    reviewed: np.ndarray     # bool per point: labelled by a verdict, its outcome not known yet
    window_from: datetime
    window_to: datetime
    split_at: datetime

    def reviewed_orders(self) -> dict[str, int]:
        """The orders a verdict labelled (each counts once), by the label it gave."""
        rows = self.frame[self.reviewed]
        label = pd.Series(self.labels[self.reviewed], index=rows.index)
        per_order = label.groupby(rows["order_id"]).first()
        return {"orders": int(len(per_order)), "accepted": int((per_order == 1).sum()),
                "dismissed": int((per_order == 0).sum())}


def training_set(*, conn: Connection, now: datetime, policy: Policy) -> TrainingSet | None:
    """The points and labels the next training at `now` would see (None: no closed orders)."""
    settings = policy.risk_model
    window_to = now - timedelta(days=settings.label_days)
    window_from = now - timedelta(days=settings.window_days)
    frame = training_frame(conn=conn, window_from=window_from, window_to=window_to, label_as_of=now,
                           lane_days=settings.lane_days)
    if frame.empty:
        return None
    placed = pd.to_datetime(frame["placed_at"], utc=True)
    split_at = window_from + (window_to - window_from) * TRAIN_SHARE
    known = frame["missed"].notna().to_numpy()
    reviewed = ~known & frame["review_label"].notna().to_numpy()
    in_window = (placed < pd.Timestamp(window_to)).to_numpy()
    train_rows = (known & in_window & (placed < pd.Timestamp(split_at)).to_numpy()) | reviewed
    test_rows = known & in_window & (placed >= pd.Timestamp(split_at)).to_numpy()
    labels = np.where(known, pd.to_numeric(frame["missed"], errors="coerce").fillna(0),
                      pd.to_numeric(frame["review_label"], errors="coerce").fillna(0)).astype(int)
    return TrainingSet(frame, labels, train_rows, test_rows, reviewed, window_from, window_to, split_at)


def train(*, conn: Connection, now: datetime, policy: Policy) -> TrainResult:
    """Train, backtest and save a candidate; promote it unless it backtests worse."""
    ts = training_set(conn=conn, now=now, policy=policy)
    if ts is None:
        return TrainResult(None, False, "no closed orders in the training window yet", None)
    frame, labels, train_rows, test_rows = ts.frame, ts.labels, ts.train_rows, ts.test_rows
    window_from, window_to, split_at = ts.window_from, ts.window_to, ts.split_at
    test = frame[test_rows].reset_index(drop=True)
    if not test_rows.any() or len(np.unique(labels[train_rows])) < 2 or test["missed"].nunique() < 2:
        return TrainResult(None, False, "the window holds too few outcomes of both kinds to train and backtest", None)
    x = matrix(frame)
    model = fit(x[train_rows], labels[train_rows])
    threshold = operating_threshold(policy)
    sla = backtest.stage_sla_hours(policy)
    at_risk = float(policy.escalation["at_risk"])
    x_test = x[test_rows]
    result = backtest.run(test, model.predict(x_test), threshold=threshold, at_risk=at_risk, sla_hours=sla)
    by_verdict = ts.reviewed_orders()
    result["training"] = {"points": int(train_rows.sum()), "orders": int(frame[train_rows]["order_id"].nunique()),
                          "labels_from_reviews": int(ts.reviewed.sum()), "reviewed_orders": by_verdict["orders"],
                          "reviewed_accepted": by_verdict["accepted"], "reviewed_dismissed": by_verdict["dismissed"],
                          "split_at": split_at.isoformat()}
    current = registry.in_service(conn=conn)
    promote, reason = True, "first model: in service"
    if current is not None:
        if tuple(current.model.features) == tuple(model.features):
            theirs = float(np.mean((current.model.predict(x_test) - test["missed"].astype(int).to_numpy()) ** 2))
        else:  # a model of other features: compare with the Brier score it was promoted on
            theirs = float(current.backtest.get("model", {}).get("brier") or 1.0)
        ours = float(result["model"]["brier"])
        result["compared_with"] = {"version": current.version, "brier_on_same_points": theirs}
        promote = ours <= theirs + BRIER_TIE
        reason = (f"Brier {ours:.4f} vs {theirs:.4f} for {current.version} on the same points: "
                  + ("promoted" if promote else "not promoted (backtests worse than the model in service)"))
    version = registry.new_version(conn=conn, trained_at=now)
    registry.save(conn=conn, version=version, model=model, trained_at=now, window_from=window_from,
                  window_to=window_to, split_at=split_at, backtest=result, promote=promote, reason=reason)
    return TrainResult(version, promote, reason, result)
