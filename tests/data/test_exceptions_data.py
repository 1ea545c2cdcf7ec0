"""Contract tests of tower.data.exceptions: exceptions raised by the real rules worker over
orders written by tower.store.ingest."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from tests.data import factory
from tower import clock
from tower.data import exceptions as data
from tower.data.scope import Scope
from tower.evaluation.worker import run_once
from tower.kpis import sla
from tower.rules.policy import cached
from tower.store import exceptions as store

EVERYTHING = Scope.everything()

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
AT_RISK = sla.at_risk_share(BUILTIN_POLICY)


@pytest.fixture
def raised(engine):
    factory.seed(engine, 36, now=clock.now())
    while run_once(engine, policy=BUILTIN_POLICY):
        pass
    with engine.connect() as conn:
        every = data.open_list(data.Filters(), conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK, limit=None)
    assert len(every) >= 10 and every["kind"].nunique() >= 2, "the factory should raise several kinds"
    return every


def test_filters_round_trip_through_the_url_and_ignore_junk():
    f = data.Filters.from_query({"kind": "b,a", "severity": "high", "min_age": "4", "max_age": "-1",
                                 "id": "12,x", "bogus": "1"})
    assert f.kinds == ("a", "b") and f.severities == ("high",) and f.min_age_hours == 4 and f.max_age_hours is None
    assert f.to_query() == {"kind": "a,b", "severity": "high", "id": "12,x", "min_age": "4"}
    assert data.Filters.from_query(f.to_query()) == f
    assert data.Filters.from_query({}) == data.Filters()


def test_the_list_is_highest_priority_first_and_keeps_its_contract(engine, raised):
    assert list(raised.columns) == data.LIST_COLUMNS
    assert raised["priority"].is_monotonic_decreasing
    assert (raised["status"] != "resolved").all()
    assert str(raised["opened_at"].dt.tz) == "UTC"
    assert set(raised["sla_state"].dropna()) <= {"on_track", "at_risk", "breached"}


def test_each_filter_keeps_only_matching_rows(engine, raised):
    kind = raised["kind"].iloc[0]
    warehouse = raised["warehouse"].dropna().iloc[0]
    with engine.connect() as conn:
        by_kind = data.open_list(data.Filters(kinds=(kind,)), conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK)
        by_both = data.open_list(data.Filters(kinds=(kind,), warehouses=(warehouse,)),
                                 conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK)
        scoped = data.open_list(data.Filters(), conn=conn, scope=Scope.of("supervisor", (warehouse,)), now=clock.now(), at_risk=AT_RISK)
        old = data.open_list(data.Filters(min_age_hours=1000), conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK)
        unassigned = data.open_list(data.Filters(assignees=("(unassigned)",)),
                                    conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK)
    assert by_kind["exception_id"].tolist() == raised[raised["kind"] == kind]["exception_id"].tolist()
    assert by_both["exception_id"].tolist() == raised[(raised["kind"] == kind)
                                                      & (raised["warehouse"] == warehouse)]["exception_id"].tolist()
    assert set(scoped["warehouse"]) == {warehouse}
    assert old.empty
    assert len(unassigned) == len(raised)


def test_the_summary_counts_the_same_rows_as_the_list(engine, raised):
    with engine.connect() as conn:
        s = data.summary(data.Filters(), conn=conn, scope=EVERYTHING, now=clock.now(), at_risk=AT_RISK)
    assert s.total == len(raised)
    assert dict(zip(s.by_kind["kind"], s.by_kind["n"])) == raised["kind"].value_counts().to_dict()
    assert s.by_team["n"].sum() == s.aging["n"].sum() == len(raised)
    assert set(s.aging["bucket"]) <= set(data.AGE_BUCKETS.values())


def test_actions_show_in_the_history_newest_first_and_respect_a_warehouse_scope(engine, raised):
    now = clock.now()
    mine = raised[raised["warehouse"] == "DAL-1"]["exception_id"].iloc[0]
    other = raised[raised["warehouse"] == "ATL-1"]["exception_id"].iloc[0]
    with engine.begin() as conn:
        allowed = data.permitted([int(mine), int(other)], conn=conn, scope=Scope.of("supervisor", ("DAL-1",)))
        assert allowed == [int(mine)]
        assert store.act(conn=conn, exception_ids=allowed, action="acknowledge", actor="dana", now=now) == 1
        store.act(conn=conn, exception_ids=allowed, action="comment", actor="dana", now=now, comment="on it")
    with engine.connect() as conn:
        history = data.history([int(mine)], conn=conn)
        again = data.by_ids([int(mine), int(other)], conn=conn, scope=Scope.of("supervisor", ("DAL-1",)))
    assert list(history.columns) == data.HISTORY_COLUMNS
    assert history["action"].tolist()[:2] == ["commented", "acknowledged"]
    assert set(history["actor"]) >= {"dana"}
    assert again["exception_id"].tolist() == [int(mine)]


def test_the_csv_holds_the_rows_given_in_order(engine, raised):
    rows = list(csv.DictReader(io.StringIO(data.to_csv(raised))))
    assert [int(r["exception_id"]) for r in rows] == raised["exception_id"].tolist()
    assert list(rows[0]) == data.CSV_COLUMNS
    assert rows[0]["opened_at"].endswith("+00:00")


def test_an_orders_exceptions_come_unresolved_first(engine, raised):
    order_id = raised["order_id"].dropna().iloc[0]
    with engine.connect() as conn:
        frame = data.for_order(order_id, conn=conn, scope=EVERYTHING)
    assert set(frame["exception_id"]) == set(raised[raised["order_id"] == order_id]["exception_id"])
    assert not frame["is_incident"].any()


def test_an_order_lists_the_integration_incident_it_is_caught_in(engine, raised):
    order_id = raised["order_id"].dropna().iloc[0]
    with engine.begin() as conn:
        incident = conn.execute(sa.text(
            "INSERT INTO exceptions (kind, subject, severity, status, title, opened_at) "
            "VALUES ('integration_incident', 'wms', 'critical', 'open', 'WMS data is stale', now()) "
            "RETURNING exception_id")).scalar_one()
        conn.execute(sa.text("INSERT INTO incident_orders VALUES (:e, :o)"), {"e": incident, "o": order_id})
    with engine.connect() as conn:
        frame = data.for_order(order_id, conn=conn, scope=EVERYTHING)
    own = set(raised[raised["order_id"] == order_id]["exception_id"])
    assert set(frame["exception_id"]) == own | {incident}
    assert frame.set_index("exception_id").loc[incident, "is_incident"]


def test_filter_menus_offer_the_values_present(engine, raised):
    with engine.connect() as conn:
        facets = data.facets(conn=conn, scope=EVERYTHING)
    assert facets["kind"] == sorted(raised["kind"].unique())
    assert facets["warehouse"] == ["ATL-1", "DAL-1", "RNO-1"]
    assert facets["region"] == ["East", "South", "West"]
    assert facets["assignee"] == ["(unassigned)"]
