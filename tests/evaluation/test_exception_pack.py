"""Each exception kind of the pack: raised when its condition holds, not raised when it does not.
Orders are built as the four systems report them, ingested, and evaluated by the worker."""

import pytest
import sqlalchemy as sa

from tests.evaluation.story import MON_9, POLICY, Story, hours, kinds, load, open_exceptions
from tower.data import exceptions as data
from tower.data.scope import Scope


def partial(s: Story) -> Story:
    return s.validated().released().picked(only=1).packed(only=1).shipped(only=1)


CASES = {
    # kind: (positive story, negative story, evaluated at hours after placement, subject)
    "stock_shortage": (lambda s: s.short(), lambda s: s.validated(), 1, "line 2"),
    "credit_hold_aging": (lambda s: s.credit_hold(), lambda s: s.credit_hold().add("erp", "credit_released", 1), 6, ""),
    "pricing_discrepancy": (None, lambda s: s.validated(), 1, "line 1"),
    "stage_overdue": (lambda s: s, lambda s: s, 6, "entered"),
    "queue_aging": (lambda s: s.validated().released(), lambda s: s.validated().released().picked(), 8, "pick"),
    "carrier_delay": (lambda s: s.validated().released().picked().packed().shipped()
                      .scan("carrier_pickup", 5).scan("delayed", 20, estimated_delivery_at=s.at(60)),
                      lambda s: s.validated().released().picked().packed().shipped()
                      .scan("carrier_pickup", 5).scan("delayed", 20, estimated_delivery_at=s.at(40)), 21, "SO-1-S1"),
    "no_carrier_scan": (lambda s: s.validated().released().picked().packed().shipped(),
                        lambda s: s.validated().released().picked().packed().shipped().scan("carrier_pickup", 5),
                        20, "SO-1-S1"),
    "delivery_failed": (lambda s: s.validated().released().picked().packed().shipped()
                        .scan("carrier_pickup", 5).scan("delivery_failed", 30),
                        lambda s: s.through_delivery(40).scan("delivery_failed", 30), 50, "SO-1-S1"),
    "partial_not_billed": (partial, lambda s: partial(s).invoiced(6, only=1), 100, "SO-1-S1"),
    "delivered_not_invoiced": (lambda s: s.through_delivery(30), lambda s: s.through_delivery(30).invoiced(31), 100, ""),
    "invoice_qty_mismatch": (lambda s: s.through_delivery(30).invoiced(31, qty_factor=2),
                             lambda s: s.through_delivery(30).invoiced(31), 32, "INV-SO-1-1"),
    "invoice_price_mismatch": (lambda s: s.through_delivery(30).invoiced(31, price_factor=1.1),
                               lambda s: s.through_delivery(30).invoiced(31), 32, "INV-SO-1-1"),
    "payment_overdue": (lambda s: s.through_delivery(30).invoiced(31),
                        lambda s: s.through_delivery(30).invoiced(31).paid(500), 31 + 24 * 34, "INV-SO-1-1"),
    "return_not_credited": (lambda s: s.through_delivery(30).invoiced(31).returned(100, 120),
                            lambda s: s.through_delivery(30).invoiced(31).returned(100, 120, 130), 200, "RMA-SO-1"),
    "cancelled_still_picking": (lambda s: s.validated().released().cancelled(1).picked(2),
                                lambda s: s.validated().released().cancelled(1), 3, ""),
}


def story(kind: str, positive: bool) -> Story:
    if kind == "pricing_discrepancy" and positive:
        return Story(list_prices=(12.0, 20.0)).validated()
    build = CASES[kind][0 if positive else 1]
    return build(Story())


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_is_raised_when_its_condition_holds(engine, kind):
    s = story(kind, True)
    load(engine, s.events, now=MON_9 + hours(CASES[kind][2]))
    found = open_exceptions(engine)
    assert (kind, CASES[kind][3]) in found, sorted(found)
    ex = found[(kind, CASES[kind][3])]
    assert ex["team_id"] and ex["severity"] in ("low", "medium", "high", "critical")
    assert ex["due_at"] is not None and ex["policy_version"] and ex["rule"] == f"exceptions.{kind}"
    # every rule says when its condition began, never after tower raised it
    assert ex["condition_since"] is not None and ex["condition_since"] <= ex["opened_at"], ex


def test_a_condition_seen_late_is_aged_from_when_it_began_and_its_response_clock_from_when_it_was_raised(engine):
    """An invoice 20 days past its grace when tower first sees it (a backfill): the exception is
    raised now, its age on /exceptions is 20 days, in the "> 7 d" bar; MTTA and the SLA run from now."""
    s = Story().through_delivery(30).invoiced(31)
    now = MON_9 + hours(31 + 24 * 34) + hours(24 * 20)
    load(engine, s.events, now=now)
    ex = open_exceptions(engine)[("payment_overdue", "INV-SO-1-1")]
    with engine.connect() as conn:
        due = conn.execute(sa.text("SELECT due_at FROM invoices WHERE invoice_id = 'INV-SO-1-1'")).scalar_one()
    grace = hours(24 * POLICY.exceptions["payment_overdue"]["grace_days"])
    assert ex["opened_at"] == now and ex["origin"] == "live"
    assert ex["condition_since"] == due + grace and now - ex["condition_since"] > hours(24 * 20)
    with engine.connect() as conn:
        grid = data.open_list(data.Filters(kinds=("payment_overdue",)), conn=conn, now=now, at_risk=0.75,
                              scope=Scope.everything())
        older = data.open_list(data.Filters(kinds=("payment_overdue",), min_age_hours=24 * 19), conn=conn,
                               now=now, at_risk=0.75, scope=Scope.everything())
        summary = data.summary(data.Filters(kinds=("payment_overdue",)), conn=conn, now=now, at_risk=0.75,
                               scope=Scope.everything())
        on_order = data.for_order("SO-1", conn=conn, scope=Scope.everything())   # the order page's table
    assert grid.loc[0, "age_hours"] >= 24 * 20 and len(older) == 1
    assert summary.aging.set_index("bucket")["n"].to_dict() == {"> 7 d": 1}
    assert grid.loc[0, "sla_state"] == "on_track"   # its response clock started when tower raised it
    row = on_order.set_index("kind").loc["payment_overdue"]
    assert row["condition_since"] == due + grace and row["opened_at"] == now


@pytest.mark.parametrize("kind", sorted(CASES))
def test_each_kind_is_not_raised_when_its_condition_does_not_hold(engine, kind):
    s = story(kind, False)
    hours_after = CASES[kind][2] if kind != "stage_overdue" else 2
    if kind == "queue_aging":
        hours_after = 3
    load(engine, s.events, now=MON_9 + hours(hours_after))
    assert kind not in kinds(engine)


@pytest.mark.parametrize("kind, systems", [
    ("invoice_qty_mismatch", {"finance", "wms"}),
    ("invoice_price_mismatch", {"finance", "erp"}),
    ("no_carrier_scan", {"wms", "carrier"}),
    ("carrier_delay", {"carrier", "erp"}),
    ("cancelled_still_picking", {"erp", "wms"}),
])
def test_cross_system_discrepancies_name_both_sides_and_their_times(engine, kind, systems):
    load(engine, story(kind, True).events, now=MON_9 + hours(CASES[kind][2]))
    sides = open_exceptions(engine)[(kind, CASES[kind][3])]["detail"]["sides"]
    assert {s["system"] for s in sides} == systems
    assert any(s["at"] for s in sides)


def test_a_cancelled_order_says_so_and_waits_on_nothing(engine):
    load(engine, story("cancelled_still_picking", True).events, now=MON_9 + hours(3))
    with engine.begin() as conn:
        import sqlalchemy as sa
        row = conn.execute(sa.text("SELECT stage, waiting_on, sla_state FROM orders")).one()
    assert row.stage == "cancelled" and row.waiting_on.startswith("nothing — cancelled in ERP")
    assert row.sla_state is None


def test_a_shipment_that_left_late_is_not_a_carrier_delay_without_the_carrier_reporting_one(engine):
    s = (Story().validated().released().picked().packed().shipped(promised=10)
         .scan("carrier_pickup", 5).scan("in_transit", 6, estimated_delivery_at=Story().at(30)))
    load(engine, s.events, now=MON_9 + hours(8))
    assert "carrier_delay" not in kinds(engine)


def test_a_pick_started_before_the_cancel_is_still_flagged(engine):
    s = Story().validated().released().add("wms", "pick_started", 0.8, attrs=dict(lines=Story().lines())).cancelled(1)
    load(engine, s.events, now=MON_9 + hours(2))
    detail = open_exceptions(engine)[("cancelled_still_picking", "")]["detail"]
    assert detail["facts"]["wms_work_after_cancel"] is False
