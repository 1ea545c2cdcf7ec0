"""The SLA-miss risk model: a standardised logistic regression (scikit-learn) kept as plain
numbers, so it scores a million orders with one matrix product and explains each score exactly.

A logistic regression's log-odds is a sum over features, so each feature's contribution to an
order's score is its coefficient times how far the order stands from the training mean (in
standard deviations): the reasons are the largest of those sums per feature group, not an
approximation laid over a black box.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from tower.risk.features import FEATURES, GROUPS


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    means: np.ndarray
    scales: np.ndarray
    coef: np.ndarray
    intercept: float

    def own(self, x: np.ndarray) -> np.ndarray:
        """This model's columns of a FEATURES matrix (a model trained before a feature was added
        keeps scoring on the features it knows)."""
        if self.features == FEATURES:
            return x
        return x[:, [FEATURES.index(f) for f in self.features]]

    def logits(self, x: np.ndarray) -> np.ndarray:
        return ((self.own(x) - self.means) / self.scales) @ self.coef + self.intercept

    def predict(self, x: np.ndarray) -> np.ndarray:
        """P(miss) per row of the FEATURES matrix."""
        return 1.0 / (1.0 + np.exp(-np.clip(self.logits(x), -40, 40)))

    def group_contributions(self, x: np.ndarray) -> tuple[tuple[str, ...], np.ndarray]:
        """(group names, rows x groups): each group's share of the log-odds, in log-odds."""
        per_feature = ((self.own(x) - self.means) / self.scales) * self.coef
        names = tuple(GROUPS)
        index = {f: i for i, f in enumerate(self.features)}
        out = np.column_stack([per_feature[:, [index[f] for f in GROUPS[g][0] if f in index]].sum(axis=1)
                               for g in names]) if len(x) else np.zeros((0, len(names)))
        return names, out

    def to_json(self) -> dict[str, Any]:
        return {"type": "standardised_logistic_regression", "features": list(self.features),
                "means": self.means.tolist(), "scales": self.scales.tolist(),
                "coef": self.coef.tolist(), "intercept": self.intercept}

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> "LinearModel":
        return cls(tuple(doc["features"]), np.asarray(doc["means"], dtype=float),
                   np.asarray(doc["scales"], dtype=float), np.asarray(doc["coef"], dtype=float),
                   float(doc["intercept"]))


def fit(x: np.ndarray, y: np.ndarray, *, sample_weight: np.ndarray | None = None) -> LinearModel:
    """Fit on a FEATURES matrix and 0/1 labels (ValueError when only one class is present)."""
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        raise ValueError("the training window holds only one outcome: nothing to learn from")
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales = np.where(scales > 1e-9, scales, 1.0)  # a constant column contributes nothing
    clf = LogisticRegression(C=1.0, max_iter=2000)
    clf.fit((x - means) / scales, y, sample_weight=sample_weight)
    return LinearModel(FEATURES, means, scales, clf.coef_[0].copy(), float(clf.intercept_[0]))
