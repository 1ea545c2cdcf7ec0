"""Olist's own contradictions become data-quality exceptions: every order whose carrier
hand-over is stamped before its approval (or its delivery before the hand-over) gets one
exception naming the source and both events, and every open order without items gets one; the
counts and the orders are computed here with pandas from the raw CSVs, not by tower."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from tests.importers.helpers import kpis, tower
from tower.evaluation.worker import run_once
from tower.kpis.registry import BY_ID
from tower.rules.policy import cached

ZONE = "America/Sao_Paulo"
STEPS = ("order_purchase_timestamp", "order_approved_at", "order_delivered_carrier_date",
         "order_delivered_customer_date")
KINDS = ("placed", "released", "shipped", "delivered")


def _raw(folder) -> tuple[pd.DataFrame, set[str]]:
    orders = pd.read_csv(folder / "olist_orders_dataset.csv")
    with_items = set(pd.read_csv(folder / "olist_order_items_dataset.csv")["order_id"])
    for col in STEPS:
        orders[col] = (pd.to_datetime(orders[col])
                       .dt.tz_localize(ZONE, ambiguous=True, nonexistent=pd.Timedelta(hours=1)).dt.tz_convert("UTC"))
    return orders, with_items


def _expected_pairs(orders: pd.DataFrame, with_items: set[str]) -> set[tuple[str, str]]:
    """(olist order id, "a>b") for each pair of consecutive recorded steps in the wrong order.
    Olist writes hand-over and delivery only for orders with items (one shipment per seller)."""
    out = set()
    for row in orders.itertuples(index=False):
        times = dict(zip(KINDS, (getattr(row, c) for c in STEPS)))
        if row.order_id not in with_items:
            times["shipped"] = times["delivered"] = pd.NaT
        present = [(k, t) for k, t in times.items() if not pd.isna(t)]
        for (a, ta), (b, tb) in zip(present, present[1:]):
            if tb < ta:
                out.add((row.order_id, f"{a}>{b}"))
    return out


def test_olist_contradictions_and_orders_without_lines_raise_data_quality_exceptions(shared_data, db_url, engine,
                                                                                   monkeypatch, capsys):
    folder = shared_data / "olist"
    orders, with_items = _raw(folder)
    code, out = tower(monkeypatch, capsys, db_url, "import", "olist", str(folder))
    assert code == 0, out
    while run_once(engine, policy=cached()):
        pass
    with engine.begin() as conn:
        rows = conn.execute(sa.text(
            "SELECT o.order_id, x.kind, x.subject, x.team_id, x.detail, o.status, "
            "       (SELECT attrs->>'olist_order_id' FROM milestones m WHERE m.order_id = o.order_id "
            "        AND m.kind = 'placed') AS olist_id "
            "FROM exceptions x JOIN orders o ON o.order_id = x.order_id "
            "WHERE x.kind IN ('milestones_out_of_order', 'order_without_lines') AND x.status <> 'resolved'"
        )).mappings().all()

    expected = _expected_pairs(orders, with_items)
    shown = {(r["olist_id"], r["subject"]) for r in rows if r["kind"] == "milestones_out_of_order"}
    assert shown == expected
    pairs = pd.Series([p for _, p in expected]).value_counts()
    assert pairs.get("released>shipped", 0) > 50 and pairs.get("shipped>delivered", 0) >= 1
    one = next(r for r in rows if r["kind"] == "milestones_out_of_order" and r["subject"] == "released>shipped")
    facts = one["detail"]["facts"]
    assert (facts["before"]["kind"], facts["after"]["kind"]) == ("released", "shipped")
    assert facts["before"]["source"] == facts["after"]["source"] == "import"
    assert facts["before"]["source_event_id"].endswith(":released")
    assert ":shipped:" in facts["after"]["source_event_id"]
    assert one["team_id"] == "integrations"

    # Open orders (not cancelled in Olist) without a single item.
    no_items = set(orders.loc[~orders["order_id"].isin(with_items) & (orders["order_status"] != "canceled"),
                              "order_id"])
    assert len(no_items) > 500
    assert {r["olist_id"] for r in rows if r["kind"] == "order_without_lines"} == no_items
    assert {r["team_id"] for r in rows if r["kind"] == "order_without_lines"} == {"order-desk"}

    # The duration KPIs say they leave the contradictions out, and do.
    warehouse = BY_ID["seg_warehouse_p50"]
    assert "out of order" in warehouse.exclusions and "data-quality exception" in warehouse.exclusions
    result = kpis(monkeypatch, capsys, db_url)
    handed = orders[orders["order_status"].ne("canceled") & orders["order_id"].isin(with_items)
                    & orders["order_approved_at"].notna() & orders["order_delivered_carrier_date"].notna()]
    in_order = (handed["order_delivered_carrier_date"] >= handed["order_approved_at"]).sum()
    assert result["by_id"]["seg_warehouse_p50"]["n"] == in_order
