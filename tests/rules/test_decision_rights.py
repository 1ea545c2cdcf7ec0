"""Decision rights in the policy: bands of a score, each with its right, validated at load."""

from __future__ import annotations

import pytest

from tower.rules.decision_rights import parse_rights
from tower.rules.policy import PolicyError, load, parse


def test_the_built_in_policy_recommends_then_acts_then_escalates_as_the_score_rises():
    rights = load().decision_rights["sla_miss_risk"]
    assert rights.band_for(rights.threshold - 0.01) is None
    rights_seen = [rights.band_for(b.low).right for b in rights.bands]
    assert rights_seen == ["recommend", "act", "escalate"]
    top = rights.band_for(0.99)
    assert top is not None and top.rule == "decision_rights.sla_miss_risk.bands[2]"


@pytest.mark.parametrize("section, words", [
    ({"sla_miss_risk": {"threshold": 0.5, "bands": [{"name": "a", "from": 0.5, "right": "decide"}]}}, "right must be one of"),
    ({"sla_miss_risk": {"threshold": 1.5, "bands": [{"name": "a", "from": 0.5, "right": "act"}]}}, "threshold must be a number"),
    ({"sla_miss_risk": {"threshold": 0.5, "bands": [{"name": "a", "from": 0.7, "right": "act"},
                                                    {"name": "b", "from": 0.6, "right": "act"}]}}, "ascending"),
    ({"fraud": {"threshold": 0.5, "bands": [{"name": "a", "from": 0.5, "right": "act"}]}}, "unknown flag kind"),
])
def test_a_malformed_decision_right_is_refused_naming_the_field(section, words):
    with pytest.raises(ValueError, match=words):
        parse_rights(section)


def test_a_policy_with_a_bad_band_does_not_load():
    text = load().source_text.replace("right: escalate}", "right: maybe}")
    with pytest.raises(PolicyError, match="bands\\[2\\].right"):
        parse(text)
