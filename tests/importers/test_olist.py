"""The real Olist sample through ingest: every order lands, in the stage its own timestamps say."""

from __future__ import annotations

import csv

import sqlalchemy as sa

from tower.importers import olist
from tower.store import ingest


def _expected_stage(row: dict) -> str:
    # Written from Olist's own columns, independently of the importer's mapping.
    if row["order_status"] == "canceled":
        return "cancelled"
    if row["order_delivered_customer_date"]:
        return "delivered"
    if row["order_delivered_carrier_date"]:
        return "shipped"
    if row["order_approved_at"]:
        return "released"
    return "entered"


def test_every_olist_order_lands_in_the_stage_its_timestamps_say(engine, shared_data):
    folder = shared_data / "olist"
    with open(folder / "olist_orders_dataset.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    with open(folder / "olist_order_items_dataset.csv", newline="") as f:
        with_items = {r["order_id"] for r in csv.DictReader(f)}
    rejected = []
    batch: list[dict] = []
    with engine.begin() as conn:
        for _, events in olist.milestones(folder):
            batch += events
            if len(batch) > 5000:
                rejected += ingest(conn=conn, milestones=batch).rejected
                batch = []
        rejected += ingest(conn=conn, milestones=batch).rejected
        stages = dict(conn.execute(sa.text("SELECT order_id, stage FROM orders")).all())
        values = dict(conn.execute(sa.text("SELECT order_id, value FROM orders")).all())
    assert rejected == []
    assert len(stages) == len(rows) == 8135
    wrong = []
    for row in rows:
        oid = f"OL-{row['order_id'][:12]}"
        expected = _expected_stage(row)
        if row["order_id"] not in with_items and expected != "cancelled":
            expected = "entered"  # an order with no lines has nothing to ship: tower keeps it at entry
        if stages[oid] != expected:
            wrong.append((oid, row["order_status"], expected, stages[oid]))
    assert wrong == []
    assert sum(1 for s in stages.values() if s == "delivered") > 4000
    assert all(v >= 0 for v in values.values())


def test_olist_local_times_are_stored_in_utc_with_their_zone_applied(engine, shared_data):
    folder = shared_data / "olist"
    order, events = next(olist.milestones(folder))
    with engine.begin() as conn:
        ingest(conn=conn, milestones=events)
        placed = conn.execute(sa.text("SELECT placed_at FROM orders")).scalar_one()
    local = order["order_purchase_timestamp"]
    # São Paulo has been UTC-3 without daylight saving since 2019; in 2016-2018 summers UTC-2.
    assert placed.utcoffset().total_seconds() == 0
    hours = (placed.replace(tzinfo=None) - __import__("datetime").datetime.strptime(local, "%Y-%m-%d %H:%M:%S")).total_seconds() / 3600
    assert hours in (2.0, 3.0)
