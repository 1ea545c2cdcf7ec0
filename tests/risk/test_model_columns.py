"""A model keeps scoring on the features it was trained on after a feature is added."""

from __future__ import annotations

import numpy as np

from tower.risk.features import FEATURES
from tower.risk.model import LinearModel


def test_a_model_trained_before_source_freshness_scores_on_its_own_columns():
    older = tuple(f for f in FEATURES if f != "log_source_quiet_hours")
    rng = np.random.default_rng(3)
    coef = rng.normal(size=len(older))
    model = LinearModel(older, np.zeros(len(older)), np.ones(len(older)), coef, 0.1)
    x = rng.normal(size=(20, len(FEATURES)))
    expected = 1 / (1 + np.exp(-(x[:, [FEATURES.index(f) for f in older]] @ coef + 0.1)))
    assert np.allclose(model.predict(x), expected)
    names, contributions = model.group_contributions(x)
    assert contributions.shape == (20, len(names))
    assert np.allclose(contributions[:, names.index("freshness")], 0.0)
