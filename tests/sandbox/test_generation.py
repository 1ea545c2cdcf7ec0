"""The simulated distributor is deterministic, realistic enough to exercise every exception,
keeps each system to its own ids and words, and generates in bounded memory."""

from __future__ import annotations

import json
import tracemalloc
from collections import defaultdict
from datetime import timedelta
from statistics import median

import pytest

from tests.sandbox.conftest import T0
from tower.sandbox.generate import generate
from tower.sandbox.ledger import ledger_rows, truth_rows
from tower.sandbox.server import Sandbox, sandbox_root
from tower.sandbox.storage import Storage
from tower.sandbox.world import DAY, WAREHOUSES, build_world, parse_iso_ms, to_ms

ALL_SCENARIOS = {
    "credit_hold_released", "credit_hold_unreleased", "price_mismatch", "atp_short",
    "partial_shipment", "congested_pick", "carrier_delay", "failed_delivery", "lost_in_transit",
    "invoice_qty_mismatch", "invoice_price_mismatch", "invoice_late", "invoice_missing",
    "late_payment", "partial_payment", "unpaid", "returned", "return_not_credited", "cancelled",
    "cancelled_after_pick",
}


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """45 days of a 2,400-order distributor, generated once for the read-only tests here."""
    root = tmp_path_factory.mktemp("history")
    generate(root, seed=5, days=45, orders=2400, now=T0)
    storage = Storage(sandbox_root(root))
    yield storage
    storage.close()


def _records(storage, system, resource):
    return [row["record"] for row in ledger_rows(storage, system, resource) if row["current"]]


def _ledger_dump(sb: Sandbox):
    return [(s, r["resource"], r["key"], r["version"], r["updated_at"], r["published_at"],
             json.dumps(r["record"], sort_keys=True)) for s in ("erp", "wms", "carrier", "finance")
            for r in sb.ledger(s)]


def test_the_same_seed_gives_the_same_ledger_and_truth_and_another_seed_does_not(make_sandbox):
    a, b, c = (make_sandbox(seed=seed, days=2, orders_per_day=80) for seed in (3, 3, 4))
    for sb in (a, b, c):
        sb.advance(minutes=150)
    assert _ledger_dump(a) == _ledger_dump(b)
    assert list(a.truth()) == list(b.truth())
    assert _ledger_dump(a) != _ledger_dump(c)


def _digest(root) -> list:
    storage = Storage(sandbox_root(root))
    rows = [list(storage.conn("sim").execute("SELECT * FROM orders ORDER BY order_no"))]
    for system in ("erp", "wms", "carrier", "finance"):
        conn = storage.conn(system)
        rows.append(list(conn.execute("SELECT resource, key, version, updated_ms, body FROM versions "
                                      "ORDER BY resource, key, version")))
        rows.append(list(conn.execute("SELECT * FROM schedule ORDER BY resource, key, version")))
    storage.close()
    return rows


def test_worker_processes_generate_exactly_what_one_process_does(tmp_path):
    for name, workers in (("one", 1), ("two", 2)):
        generate(tmp_path / name, seed=8, days=3, orders=600, now=T0, chunk_orders=100,
                 workers=workers)
    assert _digest(tmp_path / "one") == _digest(tmp_path / "two")


def test_bulk_generation_writes_exactly_the_orders_asked_for(history):
    placed = history.conn("sim").execute("SELECT count(*), max(placed_ms) FROM orders").fetchone()
    assert placed[0] == 2400 and placed[1] < to_ms(T0)
    assert len(_records(history, "erp", "sales-orders")) == 2400


def test_orders_come_from_every_channel_warehouse_and_region_with_multi_line_orders(history):
    orders = _records(history, "erp", "sales-orders")
    assert {o["channel"] for o in orders} == {"web", "edi", "sales_rep"}
    assert {o["warehouse"] for o in orders} == {w.code for w in WAREHOUSES}
    assert len({o["region"] for o in orders}) >= 2
    assert len({o["customer"]["id"] for o in orders}) > 300
    assert sum(len(o["lines"]) > 1 for o in orders) > len(orders) / 3
    statuses = {o["status"] for o in orders}
    assert {"RELEASED", "CANCELLED", "CREDIT_HOLD", "BACKORDER"} <= statuses


def test_every_exception_worthy_scenario_happens(history):
    seen = set()
    for truth in truth_rows(history, to_ms(T0)):
        seen.update(truth["scenarios"])
    assert seen == ALL_SCENARIOS


def test_each_system_knows_only_its_own_ids_and_the_references_it_would_really_have(history):
    shipments = _records(history, "wms", "shipments")
    tracking = {s["tracking_number"] for s in shipments}
    events = _records(history, "carrier", "tracking-events")
    assert {e["tracking_number"] for e in events} <= tracking
    assert not any("SO-" in json.dumps(e) for e in events[:500])  # no order numbers at the carrier
    assert {e["code"] for e in events} == {"PICKED_UP", "IN_TRANSIT", "DELAYED", "OUT_FOR_DELIVERY",
                                           "DELIVERY_FAILED", "DELIVERED"}
    assert all(e["proof_of_delivery"] for e in events if e["code"] == "DELIVERED")
    assert all(e["occurred_at"][-6:] in ("-05:00", "-06:00", "-07:00", "-08:00", "-04:00")
               for e in events)
    invoices = _records(history, "finance", "invoices")
    assert {i["shipment_ref"] for i in invoices} <= {s["shipment_no"] for s in shipments}
    assert {i["status"] for i in invoices} == {"OPEN", "PARTIALLY_PAID", "PAID"}
    tasks = _records(history, "wms", "tasks")
    assert {t["type"] for t in tasks} == {"PICK", "PACK", "RETURN_RECEIPT"}
    assert {t["status"] for t in tasks} <= {"CREATED", "IN_PROGRESS", "DONE", "CANCELLED"}
    assert all(t["order_ref"].startswith("SO-") for t in tasks)


def test_some_carrier_scans_arrive_before_the_ship_confirm_that_names_their_tracking_number(history):
    posted = {s["tracking_number"]: parse_iso_ms(s["updated_at"])
              for s in _records(history, "wms", "shipments")}
    events = _records(history, "carrier", "tracking-events")
    early = [e for e in events if parse_iso_ms(e["updated_at"]) < posted[e["tracking_number"]]]
    assert 0 < len(early) < len(events) / 5


def test_pick_waits_grow_when_a_warehouse_is_congested(history):
    world = build_world(5)
    waits = defaultdict(list)
    for task in _records(history, "wms", "tasks"):
        if task["type"] == "PICK" and task["started_at"]:
            created = parse_iso_ms(task["created_at"])
            jam = world.congestion(task["warehouse"], created // DAY)
            waits[jam > 0.5].append(parse_iso_ms(task["started_at"]) - created)
    assert waits[True] and waits[False]
    # Medians: nights between shifts add long waits on calm and congested days alike.
    assert median(waits[True]) > 2 * median(waits[False])


def test_generation_memory_stays_flat_as_the_order_count_grows(tmp_path):
    generate(tmp_path / "warm", seed=1, days=2, orders=50, now=T0)  # imports, caches
    peaks = []
    for n, orders in enumerate((200, 800)):
        tracemalloc.start()
        generate(tmp_path / str(n), seed=1, days=6, orders=orders, now=T0, chunk_orders=25)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    # Four times the orders, the same chunk: the peak must not follow the order count.
    assert peaks[1] < 1.3 * peaks[0], peaks


def test_a_restarted_sandbox_resumes_the_same_data_and_refuses_another_seed(tmp_path):
    first = Sandbox(tmp_path, seed=9, days=2, orders_per_day=80, now=T0, live=False).start()
    tokens, count = dict(first.tokens), first.stats()["erp"]["published"]
    first.stop()
    again = Sandbox(tmp_path, seed=9, days=2, orders_per_day=80, now=T0, live=False).start()
    try:
        assert again.tokens == tokens and again.stats()["erp"]["published"] == count
        assert again.advance(minutes=60) > 0
    finally:
        again.stop()
    with pytest.raises(ValueError, match="seed 9"):
        Sandbox(tmp_path, seed=10, days=2, now=T0, live=False)


def test_an_interrupted_start_up_is_generated_again_not_served_half_made(tmp_path):
    generate(tmp_path / "clean", seed=9, days=2, orders_per_day=80, now=T0)
    clean = _digest(tmp_path / "clean")
    generate(tmp_path / "cut", seed=9, days=2, orders_per_day=80, now=T0)
    storage = Storage(sandbox_root(tmp_path / "cut"))
    storage.conn("erp").execute("DELETE FROM versions WHERE seq % 2 = 0")  # half written...
    storage.set_meta(ready=0)                                              # ...and never finished
    storage.close()
    Sandbox(tmp_path / "cut", seed=9, days=2, orders_per_day=80, now=T0, live=False).storage.close()
    assert _digest(tmp_path / "cut") == clean


def test_a_busier_live_intake_fills_the_last_day_and_leaves_older_history_alone(make_sandbox):
    calm = make_sandbox(seed=4, days=2, orders_per_day=60)
    busy = make_sandbox(seed=4, days=2, orders_per_day=60, live_orders_per_day=1200)
    for sb in (calm, busy):
        sb.advance(minutes=6 * 60)
    surge = to_ms(T0) - DAY

    def placed(sb, before: bool) -> list[str]:
        return [t["order_no"] for t in sb.truth() if (parse_iso_ms(t["placed_at"]) < surge) == before]

    assert placed(busy, before=True) == placed(calm, before=True)
    assert len(placed(busy, before=False)) > 5 * max(1, len(placed(calm, before=False)))
    in_flight = [t for t in busy.truth() if parse_iso_ms(t["placed_at"]) >= surge and t["shipments"]]
    assert in_flight  # at the start the pipeline already holds busy-day orders being shipped


def test_the_ground_truth_is_what_the_systems_have_published_while_the_clock_runs_on(make_sandbox):
    # Not live, the systems publish only at start and on advance, while the base clock goes on:
    # truth taken at the clock would hold facts no collector could have read (a flaky
    # comparison whenever the collectors ran a minute behind the start).
    clock = [T0]
    sb = make_sandbox(now=lambda: clock[0])
    clock[0] = T0 + timedelta(hours=3)
    published = list(sb.truth())
    assert published == list(sb.truth(as_of=T0))
    assert published != list(sb.truth(as_of=sb.now()))  # three hours of facts simulated, not yet published
    sb.advance(seconds=1)  # publishes them
    assert list(sb.truth()) == list(sb.truth(as_of=sb.now()))
