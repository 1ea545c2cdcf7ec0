"""The Olist sample through `tower import olist`: statuses, payments, freight, shipments per
seller, late deliveries and the delivery-time median equal what pandas reads from the CSVs."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from tests.importers.helpers import kpis, tower

ZONE = "America/Sao_Paulo"


def nearest_rank(values: pd.Series, p: float, resolution_hours: float) -> float:
    """The registry's percentile: nearest rank over values cut down to the resolution."""
    cut = sorted(math.floor(v / resolution_hours) * resolution_hours for v in values)
    return cut[max(1, math.ceil(p * len(cut))) - 1]


def test_olist_import_matches_the_raw_sample(shared_data, db_url, monkeypatch, capsys):
    folder = shared_data / "olist"
    orders = pd.read_csv(folder / "olist_orders_dataset.csv")
    items = pd.read_csv(folder / "olist_order_items_dataset.csv")
    payments = pd.read_csv(folder / "olist_order_payments_dataset.csv")
    # Local wall times; lateness compares local days, durations need the zone. An ambiguous
    # wall time (the autumn hour) is read as the first one, one in the spring gap with the
    # offset before the jump (Python's fold=0 in both cases).
    for col in ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
                "order_delivered_customer_date", "order_estimated_delivery_date"):
        orders[col] = pd.to_datetime(orders[col])
    utc = {col: orders[col].dt.tz_localize(ZONE, ambiguous=True, nonexistent=pd.Timedelta(hours=1)).dt.tz_convert("UTC")
           for col in ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
                       "order_delivered_customer_date")}

    code, out = tower(monkeypatch, capsys, db_url, "import", "olist", str(folder))
    assert code == 0, out
    assert f"{len(orders)} rows read" in out and "0 rejected" in out

    result = kpis(monkeypatch, capsys, db_url, "--dataset", "olist")
    figures = result["dataset"]
    assert figures["orders"] == len(orders) == 8135
    assert figures["by_status"].get("cancelled") == int((orders["order_status"] == "canceled").sum())
    approved = orders.loc[orders["order_approved_at"].notna(), "order_id"]
    assert figures["paid"] == pytest.approx(payments[payments["order_id"].isin(approved)]["payment_value"].sum(), abs=0.01)
    handed = orders.loc[orders["order_delivered_carrier_date"].notna(), "order_id"]
    shipped_items = items[items["order_id"].isin(handed)]
    # One shipment per seller of an order; freight summed per shipment to the cent.
    per_shipment = shipped_items.groupby(["order_id", "seller_id"])["freight_value"].sum().round(2)
    assert figures["shipments"] == len(per_shipment)
    assert figures["freight"] == pytest.approx(per_shipment.sum(), abs=0.01)

    # Late = delivered on a later day (São Paulo) than the estimated delivery date.
    delivered = orders[orders["order_delivered_customer_date"].notna() & orders["order_id"].isin(items["order_id"])]
    late = delivered["order_delivered_customer_date"].dt.date > delivered["order_estimated_delivery_date"].dt.date
    assert figures["delivered_with_promise"] == len(delivered)
    assert figures["delivered_late"] == int(late.sum())

    # OTIF: every non-cancelled order is due (all promises are long past); on time = delivered
    # by the end of its estimated day.
    live = orders[orders["order_status"] != "canceled"]
    live_delivered = live[live["order_delivered_customer_date"].notna() & live["order_id"].isin(items["order_id"])]
    on_time = (live_delivered["order_delivered_customer_date"].dt.date
               <= live_delivered["order_estimated_delivery_date"].dt.date).sum()
    otif = result["by_id"]["otif"]
    assert otif["n"] == len(live)
    assert otif["value"] == pytest.approx(on_time / len(live))

    # Cycle time: purchase to delivery of the delivered, non-cancelled orders.
    idx = live_delivered.index
    hours = ((utc["order_delivered_customer_date"][idx] - utc["order_purchase_timestamp"][idx])
             .dt.total_seconds() / 3600)
    cycle = result["by_id"]["cycle_time_p50"]
    assert cycle["n"] == len(hours)
    assert cycle["value"] == pytest.approx(nearest_rank(hours, 0.5, MINUTE))

    # Olist hands every item of an order to the carriers at one time: each seller's shipment
    # leaves together, so every order handed over is complete in its first shipment.
    handed_live = live[live["order_delivered_carrier_date"].notna() & live["order_id"].isin(items["order_id"])]
    fill = result["by_id"]["fill_order"]
    assert fill["n"] == len(handed_live) and fill["value"] == 1.0

    # Late deliveries: of the delivered orders, those delivered after their estimated day.
    late_kpi = result["by_id"]["late_delivery"]
    late_live = (live_delivered["order_delivered_customer_date"].dt.date
                 > live_delivered["order_estimated_delivery_date"].dt.date)
    assert late_kpi["n"] == len(live_delivered)
    assert late_kpi["value"] == pytest.approx(late_live.mean())

    # Entry time (purchase -> approval) keeps its minutes: a median well under an hour.
    approved_live = live[live["order_approved_at"].notna() & live["order_id"].isin(items["order_id"])]
    entry = (utc["order_approved_at"][approved_live.index] - utc["order_purchase_timestamp"][approved_live.index])
    entry_kpi = result["by_id"]["seg_entry_p50"]
    assert entry_kpi["n"] == len(entry)
    assert entry_kpi["value"] == pytest.approx(nearest_rank(entry.dt.total_seconds() / 3600, 0.5, MINUTE))
    assert entry_kpi["value"] < 1 and entry_kpi["display"].endswith(" min")

    # Warehouse time (approval -> carrier hand-over) leaves out the orders handed to the carrier
    # before their approval (out of order in Olist's own data).
    shipped_live = approved_live[approved_live["order_delivered_carrier_date"].notna()]
    wh = (utc["order_delivered_carrier_date"][shipped_live.index] - utc["order_approved_at"][shipped_live.index])
    wh_hours = wh.dt.total_seconds() / 3600
    assert (wh_hours < 0).sum() > 0
    wh_kpi = result["by_id"]["seg_warehouse_p50"]
    assert wh_kpi["n"] == int((wh_hours >= 0).sum())
    assert wh_kpi["value"] == pytest.approx(nearest_rank(wh_hours[wh_hours >= 0], 0.5, MINUTE))


MINUTE = 1 / 60
