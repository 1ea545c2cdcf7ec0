"""Northwind through `tower import northwind`: tower's figures equal the ones pandas reads from
the SQLite file itself."""

from __future__ import annotations

import sqlite3
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd
import pytest

from tests.importers.helpers import kpis, tower


@pytest.fixture
def northwind(shared_data):
    path = shared_data / "erp" / "northwind.sqlite"
    with sqlite3.connect(path) as conn:
        orders = pd.read_sql("SELECT * FROM Orders", conn)
        lines = pd.read_sql('SELECT * FROM "Order Details"', conn)
    for col in ("OrderDate", "RequiredDate", "ShippedDate"):
        orders[col] = pd.to_datetime(orders[col])
    return path, orders, lines


def test_northwind_import_matches_the_raw_orders_lines_freight_and_lateness(northwind, db_url, monkeypatch, capsys):
    path, orders, lines = northwind
    code, out = tower(monkeypatch, capsys, db_url, "import", "northwind", str(path))
    assert code == 0, out
    assert f"{len(orders)} rows read" in out and "0 rejected" in out

    shipped = orders[orders["ShippedDate"].notna()]
    result = kpis(monkeypatch, capsys, db_url, "--dataset", "northwind")
    figures = result["dataset"]
    assert figures["orders"] == len(orders) == 830
    assert figures["by_stage"] == {"entered": len(orders) - len(shipped), "shipped": len(shipped)}
    # Net sales in exact decimals (prices and discounts have two places; SQLite keeps them as
    # binary floats), each order's value kept to the cent (half up) as an order's value is stored.
    exact = [Decimal(f"{p:.2f}") * int(q) * (1 - Decimal(f"{d:.2f}"))
             for p, q, d in zip(lines["UnitPrice"], lines["Quantity"], lines["Discount"])]
    net = pd.Series(exact, index=lines.index).groupby(lines["OrderID"]).sum()
    cents = sum(v.quantize(Decimal("0.01"), ROUND_HALF_UP) for v in net)
    assert figures["order_value"] == pytest.approx(float(cents), abs=0.005)
    assert figures["freight"] == pytest.approx(shipped["Freight"].sum(), abs=0.005)
    # A date-only promise is kept by a shipment on the required day itself.
    assert figures["shipped_with_promise"] == len(shipped)
    assert figures["shipped_late"] == int((shipped["ShippedDate"] > shipped["RequiredDate"]).sum())
    days = (shipped["ShippedDate"] - shipped["OrderDate"]).dt.total_seconds().median() / 3600
    assert figures["median_hours_to_ship"] == pytest.approx(days)
    # Northwind ships each order once and whole: the fill rate says so over every shipped order.
    fill = result["by_id"]["fill_order"]
    assert fill["value"] == 1.0 and fill["n"] == len(shipped)
    shipped_lines = lines[lines["OrderID"].isin(shipped["OrderID"])]
    assert result["by_id"]["fill_line"]["n"] == len(shipped_lines)
    assert result["period"]["from"] == shipped["ShippedDate"].min().date().isoformat()


def test_northwind_import_twice_stores_nothing_new(northwind, db_url, monkeypatch, capsys):
    path, orders, _ = northwind
    tower(monkeypatch, capsys, db_url, "import", "northwind", str(path))
    code, out = tower(monkeypatch, capsys, db_url, "import", "northwind", str(path))
    assert code == 0
    assert "0 milestones written" in out
    assert f"{len(orders) + orders['ShippedDate'].notna().sum()} already stored" in out
