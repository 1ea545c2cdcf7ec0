"""The flow model: validated with plain errors, most specific override wins, version recorded."""

import pytest
import yaml

from tower.rules.policy import BUILTIN, PolicyError, load, parse


def doc():
    return yaml.safe_load(BUILTIN.read_text())


def test_the_built_in_policy_loads_with_every_stage_and_kind():
    policy = load()
    assert set(policy.stages) >= {"entered", "validated", "released", "picked", "packed", "shipped",
                                  "delivered", "invoiced"}
    assert set(policy.returns) >= {"requested", "received"}
    assert policy.version.startswith("2026.11-1+")


def test_the_version_changes_when_the_content_changes_even_if_the_number_does_not():
    d = doc()
    a = parse(yaml.safe_dump(d))
    d["stages"]["released"]["sla_hours"] = 9
    assert parse(yaml.safe_dump(d)).version != a.version


def test_most_specific_override_wins():
    policy = load()

    def sla(**k):
        return policy.resolve(**k).stages["released"]["sla_hours"]

    assert sla(region="South", warehouse="ATL-1", customer_tier="gold") == 8      # base
    assert sla(region="West", warehouse="RNO-1", customer_tier="gold") == 10     # region
    assert sla(region="West", warehouse="RNO-1", customer_tier="platinum") == 4  # tier beats region
    assert sla(region="South", warehouse="DAL-1", customer_tier="gold") == 6     # warehouse beats tier
    assert sla(region="South", warehouse="DAL-1", customer_tier="platinum") == 3  # both keys beat one


def test_an_override_order_in_the_file_does_not_change_the_winner():
    d = doc()
    d["overrides"] = list(reversed(d["overrides"]))
    policy = parse(yaml.safe_dump(d))
    assert policy.resolve(region="West", warehouse="DAL-1", customer_tier="platinum").stages["released"]["sla_hours"] == 3


@pytest.mark.parametrize("change, message", [
    (lambda d: d["stages"].pop("picked"), "stages is missing picked"),
    (lambda d: d["stages"]["picked"].update(team="nobody"), "stages.picked.team 'nobody' is not a team"),
    (lambda d: d["stages"]["picked"].update(sla_hours="soon"), "stages.picked.sla_hours must be a number"),
    (lambda d: d["exceptions"].pop("payment_overdue"), "exceptions.payment_overdue is missing"),
    (lambda d: d["exceptions"]["carrier_delay"].update(severity="huge"), "severity must be one of"),
    (lambda d: d["overrides"].append({"match": {"planet": "Mars"}, "set": {}}), "match keys must be among"),
    (lambda d: d["overrides"].append({"match": {"region": "X"}, "set": {"stages.nowhere.sla_hours": 1}}),
     "does not name a stage"),
    (lambda d: d["calendars"]["DAL-1"].update(tz="Nowhere/City"), "unknown time zone"),
    (lambda d: d["escalation"].update(at_risk=2), "escalation must satisfy"),
])
def test_a_broken_policy_is_refused_with_the_field_named(change, message):
    d = doc()
    change(d)
    with pytest.raises(PolicyError, match=message):
        parse(yaml.safe_dump(d))


def test_a_missing_file_is_a_plain_error(tmp_path):
    with pytest.raises(PolicyError, match="cannot read the policy file"):
        load(tmp_path / "nope.yaml")


def test_yaml_syntax_errors_name_the_file(tmp_path):
    bad = tmp_path / "p.yaml"
    bad.write_text("version: [unclosed")
    with pytest.raises(PolicyError, match=str(bad)):
        load(bad)
