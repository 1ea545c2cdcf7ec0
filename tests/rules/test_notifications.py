"""Notification rules in the policy: parsing with plain errors, filters, quiet hours across
midnight and DST, suppression windows (pure: no database, no network)."""

from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from tower.rules import policy as policy_mod
from tower.rules.notifications import Event, NotificationPolicyError, parse, route

POLICY = policy_mod.load()
TEAMS = POLICY.teams + [{"id": "night-desk", "email": "night@example.test"}]
CHI = ZoneInfo("America/Chicago")


def section(**doc):
    return parse(doc, team_ids={t["id"] for t in TEAMS}, teams=TEAMS, default_tz="America/Chicago",
                 kinds=list(POLICY.exceptions))


def event(**kw) -> Event:
    base = dict(kind="escalated", tier=1, team="billing", exception_kind="invoice_qty_mismatch",
                severity="high", warehouse="DAL-1", value=2500.0)
    return Event(**{**base, **kw})


NOON = datetime(2026, 11, 2, 12, 0, tzinfo=CHI)


def test_every_filter_of_a_rule_must_match():
    rules = section(rules=[{"name": "big billing escalations at DAL-1", "when": ["escalated"], "tiers": [2],
                            "teams": ["billing"], "severities": ["high"], "warehouses": ["DAL-1"],
                            "value": {"min": 1000, "below": 5000}, "webhook": ["ops"]}])
    assert [r.target for r in route(event(tier=2), rules, now=NOON).routes] == ["ops"]
    for miss in (dict(tier=1), dict(team="credit"), dict(severity="low"), dict(warehouse="ATL-1"),
                 dict(value=999.99), dict(value=5000.0), dict(kind="raised")):
        routing = route(event(**{"tier": 2, **miss}), rules, now=NOON)
        assert routing.routes == [] and "no rule matches" in routing.outcome(), miss


def test_team_means_the_team_s_own_address_and_a_team_without_one_is_said_so():
    rules = section(rules=[{"when": ["raised"], "email": ["team", "all@example.test"]}])
    got = route(event(kind="raised", team="night-desk"), rules, now=NOON)
    assert [(r.channel, r.target) for r in got.routes] == [("email", "night@example.test"), ("email", "all@example.test")]
    none = route(event(kind="raised", team="billing"), rules, now=NOON)
    assert [r.target for r in none.routes] == ["all@example.test"] and "team billing has no e-mail" in none.outcome()


def test_two_rules_naming_the_same_recipient_send_it_once():
    rules = section(rules=[{"when": ["escalated"], "webhook": ["ops"]}, {"when": ["escalated"], "webhook": ["ops"]}])
    assert len(route(event(), rules, now=NOON).routes) == 1


def test_overnight_quiet_hours_hold_until_the_morning_and_critical_goes_at_once():
    rules = section(rules=[{"when": ["escalated"], "webhook": ["ops"]}],
                    quiet_hours={"billing": {"from": "19:00", "to": "07:00", "except_severities": ["critical"]}})
    evening = datetime(2026, 11, 2, 22, 30, tzinfo=CHI)
    (held,) = route(event(), rules, now=evening).routes
    assert held.earliest_at == datetime(2026, 11, 3, 7, 0, tzinfo=CHI)
    early = datetime(2026, 11, 3, 5, 0, tzinfo=CHI)
    assert route(event(), rules, now=early).routes[0].earliest_at == datetime(2026, 11, 3, 7, 0, tzinfo=CHI)
    assert route(event(), rules, now=NOON).routes[0].earliest_at == NOON
    assert route(event(severity="critical"), rules, now=evening).routes[0].earliest_at == evening


def test_quiet_hours_end_at_the_local_wall_time_across_a_dst_change():
    rules = section(rules=[{"when": ["escalated"], "webhook": ["ops"]}],
                    quiet_hours={"billing": {"from": "22:00", "to": "06:00"}})
    night = datetime(2026, 11, 1, 4, 30, tzinfo=timezone.utc)   # Sat 23:30 CDT; clocks go back at 02:00
    release = route(event(), rules, now=night).routes[0].earliest_at
    assert release.astimezone(CHI).hour == 6 and release.astimezone(timezone.utc).hour == 12  # 06:00 CST


def test_a_suppression_window_drops_its_team_s_events_with_the_reason():
    rules = section(rules=[{"when": ["escalated"], "webhook": ["ops"]}],
                    suppress={"billing": [{"from": "2026-11-02T10:00:00-06:00", "to": "2026-11-02T14:00:00-06:00",
                                           "reason": "month-end close"}]})
    inside = route(event(), rules, now=NOON)
    assert inside.routes == [] and "month-end close" in inside.outcome()
    assert route(event(team="credit"), rules, now=NOON).routes           # other teams unaffected
    assert route(event(), rules, now=datetime(2026, 11, 2, 14, 0, tzinfo=CHI)).routes   # the end is open


@pytest.mark.parametrize("doc, words", [
    (dict(rules=[{"when": ["escalated"]}]), "sends to nobody"),
    (dict(rules=[{"when": ["paged"], "webhook": ["ops"]}]), "unknown paged"),
    (dict(rules=[{"on": ["raised"], "webhook": ["ops"]}]), "unknown key"),
    (dict(rules=[{"when": ["raised"], "email": ["billing"]}]), "neither `team` nor an e-mail address"),
    (dict(rules=[{"when": ["raised"], "teams": ["nobody"], "webhook": ["x"]}]), "unknown nobody"),
    (dict(quiet_hours={"nobody": {"from": "19:00", "to": "07:00"}}), "is not a team"),
    (dict(quiet_hours={"billing": {"from": "7pm", "to": "07:00"}}), "must be a time"),
    (dict(suppress={"billing": [{"from": "2026-11-02T10:00:00", "to": "2026-11-02T11:00:00Z"}]}), "offset"),
    (dict(digest={"teams": "all"}), "digest sends to nobody"),
])
def test_a_malformed_section_is_refused_naming_the_field(doc, words):
    with pytest.raises(NotificationPolicyError, match=words):
        section(**doc)


def test_the_built_in_policy_routes_escalations_to_the_demo_receivers():
    n = POLICY.notifications
    routes = route(event(team="order-desk"), n, now=NOON).routes
    assert {(r.channel, r.target) for r in routes} == {("email", "control-room@tower.demo"), ("webhook", "demo")}
    assert n.endpoints == {"demo"} and n.digest is not None
