"""A stale source: its orders say how old its data is, no false "late" exceptions are raised,
one integration incident links the orders and value it holds, and when the source catches up
the held evaluations run."""

from datetime import timedelta

import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, hours, kinds, load, open_exceptions, order
from tower.evaluation.sweep import run_sweep
from tower.evaluation.worker import drain

NOW = MON_9 + hours(10)


def run(engine, source: str, finished, status: str = "ok", stream: str = "events") -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(
            "INSERT INTO collector_runs (source, stream, started_at, finished_at, status) "
            "VALUES (:s, :st, :f - interval '5 seconds', :f, :status)"),
            {"s": source, "st": stream, "f": finished, "status": status})


def healthy_except_wms(engine, wms_age_minutes: float = 47) -> None:
    for source in ("erp", "carrier", "finance"):
        run(engine, source, NOW - timedelta(minutes=1))
    run(engine, "wms", NOW - timedelta(minutes=wms_age_minutes))
    run(engine, "wms", NOW - timedelta(minutes=2), status="failed")


def two_orders() -> list[dict]:
    waiting_on_wms = Story("SO-W", prices=(100.0, 50.0)).validated().released()   # pick overdue at 10 h
    waiting_on_erp = Story("SO-E")                                                # validation overdue
    return waiting_on_wms.events + waiting_on_erp.events


def test_an_order_waiting_on_a_stale_source_is_uncertain_and_says_how_old_the_data_is(engine):
    healthy_except_wms(engine)
    load(engine, two_orders(), now=NOW)
    held = order(engine, "SO-W")
    assert held["sla_state"] == "uncertain" and held["held_on"] == "wms"
    assert held["waiting_on"].endswith("WMS data 47 min old")
    assert "queue_aging" not in kinds(engine, "SO-W")
    # The order whose source is fresh is judged as usual.
    assert "stage_overdue" in kinds(engine, "SO-E") and order(engine, "SO-E")["sla_state"] == "breached"


def test_one_integration_incident_per_stale_source_links_the_orders_and_value_it_holds(engine):
    healthy_except_wms(engine)
    load(engine, two_orders() + Story("SO-W2").validated().released().events, now=NOW)
    run_sweep(engine, now=NOW, policy=POLICY)
    incidents = open_exceptions(engine, None)
    assert list(incidents) == [("integration_incident", "wms")]
    incident = incidents[("integration_incident", "wms")]
    with engine.begin() as conn:
        linked = set(conn.execute(sa.text("SELECT order_id FROM incident_orders WHERE exception_id = :e"),
                                  {"e": incident["exception_id"]}).scalars())
    assert linked == {"SO-W", "SO-W2"}
    assert float(incident["value_at_risk"]) == 5 * 100 + 3 * 50 + 5 * 10 + 3 * 20
    assert incident["team_id"] == "integrations" and "WMS data 47 min old" in incident["title"]
    # down since its data grew older than WMS's freshness threshold; raised now
    threshold = POLICY.freshness_minutes["wms"]
    assert incident["condition_since"] == NOW - timedelta(minutes=47 - threshold) and incident["opened_at"] == NOW


def test_no_incident_and_no_hold_when_every_source_is_fresh(engine):
    for source in ("erp", "wms", "carrier", "finance"):
        run(engine, source, NOW - timedelta(minutes=1))
    load(engine, two_orders(), now=NOW)
    assert open_exceptions(engine, None) == {}
    assert "queue_aging" in kinds(engine, "SO-W")


def test_when_the_source_catches_up_the_incident_resolves_and_held_orders_are_judged(engine):
    healthy_except_wms(engine)
    load(engine, two_orders(), now=NOW)
    later = NOW + timedelta(minutes=5)
    run(engine, "wms", later)
    for source in ("erp", "carrier", "finance"):
        run(engine, source, later)
    run_sweep(engine, now=later, policy=POLICY)
    drain(engine, now=later, policy=POLICY)
    assert open_exceptions(engine, None) == {}
    assert order(engine, "SO-W")["held_on"] is None
    assert "queue_aging" in kinds(engine, "SO-W")
    with engine.begin() as conn:
        actions = conn.execute(sa.text(
            "SELECT action, reason FROM exception_events x JOIN exceptions e USING (exception_id) "
            "WHERE e.kind = 'integration_incident' ORDER BY event_id")).all()
    assert [a for a, _ in actions] == ["opened", "resolved"] and actions[1].reason == "source caught up"


def test_the_sweep_holds_orders_of_a_source_that_went_stale_since_their_evaluation(engine):
    for source in ("erp", "wms", "carrier", "finance"):
        run(engine, source, MON_9 + hours(1))
    load(engine, two_orders(), now=MON_9 + hours(1))          # all fresh, nothing late yet
    for source in ("erp", "carrier", "finance"):
        run(engine, source, NOW - timedelta(minutes=1))        # WMS went quiet after 1 h
    run_sweep(engine, now=NOW, policy=POLICY)
    drain(engine, now=NOW, policy=POLICY)
    assert order(engine, "SO-W")["sla_state"] == "uncertain"
    assert "queue_aging" not in kinds(engine, "SO-W")
    assert "stage_overdue" in kinds(engine, "SO-E")
