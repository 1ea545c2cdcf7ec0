"""The conformance check of one order, one deviation type at a time, on the shipped policy's
flow model, and the policy's refusal of a malformed flow model."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tower.rules.flow_model import Event, check
from tower.rules.policy import BUILTIN, PolicyError, cached, parse

MODEL = cached().flow_model
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
HAPPY = ["placed", "atp_confirmed", "released", "pick_started", "picked", "packed", "shipped",
         "carrier_pickup", "in_transit", "delivered", "invoiced", "paid"]


def events(*kinds: str) -> list[Event]:
    return [Event(k, T0 + timedelta(hours=i)) for i, k in enumerate(kinds)]


def test_the_happy_path_and_any_prefix_of_it_conform():
    assert MODEL is not None
    for n in range(1, len(HAPPY) + 1):
        assert check(events(*HAPPY[:n]), MODEL) == []


def test_a_mandatory_step_skipped_before_a_later_one_is_missing():
    assert check(events("placed", "released", "packed", "shipped"), MODEL) == ["missing_step:picked"]


def test_a_step_after_a_later_stage_is_out_of_sequence():
    assert check(events("placed", "released", "packed", "picked"), MODEL) == ["out_of_sequence:picked"]


def test_steps_of_one_stage_may_come_in_any_order():
    assert check(events("placed", "atp_confirmed", "priced", "released"), MODEL) == []
    assert check(events("placed", "priced", "atp_confirmed", "released"), MODEL) == []


def test_a_step_that_may_not_repeat_is_a_repeated_step_and_one_that_may_is_not():
    assert check(events("placed", "released", "released"), MODEL) == ["repeated_step:released"]
    assert check(events("placed", "released", "picked", "picked", "packed"), MODEL) == []


def test_a_step_after_cancellation_is_flagged_but_a_return_is_not():
    assert check(events("placed", "released", "cancelled", "picked"), MODEL) == ["step_after_cancellation:picked"]
    assert check(events("placed", "cancelled", "return_requested"), MODEL) == []


def test_shipping_before_the_credit_release_after_a_hold_is_flagged():
    devs = check(events("placed", "credit_hold", "credit_released", "released", "picked", "packed", "shipped"), MODEL)
    assert devs == []
    devs = check(events("placed", "credit_hold", "released", "picked", "packed", "shipped", "credit_released"), MODEL)
    assert "shipped_before_credit_release:shipped" in devs
    assert "released_before_credit_release:released" in devs


def test_shipping_without_any_credit_hold_needs_no_release():
    assert check(events(*HAPPY), MODEL) == []


def test_invoicing_before_shipping_is_flagged():
    devs = check(events("placed", "released", "picked", "packed", "invoiced", "shipped"), MODEL)
    assert "invoiced_before_shipped:invoiced" in devs


def test_events_at_the_same_instant_are_ordered_by_the_flow_not_by_arrival():
    same = [Event("picked", T0), Event("released", T0), Event("placed", T0)]
    assert check(same, MODEL) == []


def test_an_allowlisted_deviation_is_accepted_only_where_the_policy_says():
    assert MODEL.is_accepted("repeated_step:amended", {"channel": "edi"})
    assert not MODEL.is_accepted("repeated_step:amended", {"channel": "web"})
    assert not MODEL.is_accepted("repeated_step:released", {"channel": "edi"})


@pytest.mark.parametrize("bad, message", [
    ("flow_model: {stages: []}", "flow_model.stages must be a non-empty list"),
    ("flow_model: {stages: [{name: a, steps: {teleported: {}}}]}", "'teleported' is not a milestone kind"),
    ("flow_model: {stages: [{name: a, steps: {placed: {}}}, {name: b, steps: {placed: {}}}]}", "appears in two stages"),
    ("flow_model: {stages: [{name: a, steps: {placed: {often: true}}}]}", "takes only mandatory and repeat"),
    ("flow_model: {stages: [{name: a, steps: {placed: {}}}], accepted: [{deviation: late}]}", "deviation must be one of"),
])
def test_a_malformed_flow_model_is_refused_with_the_field_named(bad, message):
    text = BUILTIN.read_text().split("\nflow_model:")[0] + "\n" + bad + "\n"
    with pytest.raises(PolicyError, match=message):
        parse(text)
