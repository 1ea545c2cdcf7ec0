"""What the rules write in words uses the order's warehouse's zone (the zone of every page
about the order), and a mismatch names what each system says, with numbers."""

from __future__ import annotations

from tests.evaluation.story import MON_9, Story, hours, load, open_exceptions, order


def test_a_credit_hold_at_atlanta_reads_in_eastern_time(engine):
    load(engine, Story("SO-A", warehouse="ATL-1", region="East").credit_hold(0.1).events, now=MON_9 + hours(2))
    words = order(engine, "SO-A")["waiting_on"]
    assert "EST" in words and "CST" not in words


def test_an_invoice_quantity_mismatch_names_both_quantities(engine):
    story = (Story().validated().released().picked().packed().shipped()
             .scan("carrier_pickup", 5).scan("delivered", 30).invoiced(31, qty_factor=0.8))
    load(engine, story.events, now=MON_9 + hours(32))
    mismatch = next(e for (kind, _), e in open_exceptions(engine).items() if kind == "invoice_qty_mismatch")
    said = {s["system"]: s["says"] for s in mismatch["detail"]["sides"]}
    assert said["finance"] == "invoiced 4 on line 1, 2.4 on line 2"
    assert said["wms"] == "shipped 5 on line 1, 3 on line 2"
