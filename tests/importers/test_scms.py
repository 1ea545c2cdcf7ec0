"""USAID SCMS through `tower import scms`: delivery lateness, values and freight equal what
pandas reads from the CSV itself, overall and per shipment mode."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.importers.helpers import kpis, tower


def _raw(path) -> pd.DataFrame:
    raw = pd.read_csv(path, dtype=str, encoding="utf-8-sig", keep_default_na=False)
    # Both columns are written as 02-Jun-06 throughout the file.
    raw["scheduled"] = pd.to_datetime(raw["Scheduled Delivery Date"], format="%d-%b-%y")
    raw["delivered"] = pd.to_datetime(raw["Delivered to Client Date"], format="%d-%b-%y")
    raw["qty"] = pd.to_numeric(raw["Line Item Quantity"])
    raw["value"] = pd.to_numeric(raw["Line Item Value"])
    raw["freight"] = pd.to_numeric(raw["Freight Cost (USD)"], errors="coerce")
    return raw


def test_scms_import_matches_the_raw_late_share_overall_and_per_mode_values_and_freight(shared_data, db_url, monkeypatch, capsys):
    path = shared_data / "shipping" / "usaid_scms_delivery_history.csv"
    raw = _raw(path)
    code, out = tower(monkeypatch, capsys, db_url, "import", "scms", str(path))
    assert code == 0, out
    assert f"{len(raw)} rows read" in out and "0 rejected" in out

    result = kpis(monkeypatch, capsys, db_url, "--dataset", "scms")
    figures = result["dataset"]
    assert figures["orders"] == len(raw) == 10324
    with_units = raw[raw["qty"] > 0]
    assert figures["by_stage"].get("delivered") == len(with_units)
    assert figures["order_value"] == pytest.approx(raw["value"].sum(), abs=0.01 * len(raw))
    assert figures["freight"] == pytest.approx(raw["freight"].sum(), abs=0.01)
    late = raw["delivered"] > raw["scheduled"]
    assert figures["delivered_with_promise"] == len(with_units)
    assert figures["delivered_late"] == int(late[raw["qty"] > 0].sum())
    # OTIF: delivered on or before the scheduled day (a date-only promise holds all day).
    otif = result["by_id"]["otif"]
    on_time = 1 - late[raw["qty"] > 0].mean()
    assert otif["n"] == len(with_units)
    assert otif["value"] == pytest.approx(on_time)
    # Late deliveries: the same share, asked only of delivered lines (all SCMS lines are).
    late_kpi = result["by_id"]["late_delivery"]
    assert late_kpi["n"] == len(with_units)
    assert late_kpi["value"] == pytest.approx(late[raw["qty"] > 0].mean())
    # Durations from a time SCMS does not record are not measured: the cycle time counts only
    # the lines whose PO Sent to Vendor Date is a date (M/D/YY or ISO in this column), and of
    # those only the ones delivered on or after it (the others are out of order).
    po_text = with_units["PO Sent to Vendor Date"]
    po = pd.to_datetime(po_text, format="%m/%d/%y", errors="coerce").fillna(
        pd.to_datetime(po_text, format="%Y-%m-%d", errors="coerce"))
    in_order = po.notna() & (with_units["delivered"] >= po)
    assert 0 < (po.notna() & ~in_order).sum()
    assert result["by_id"]["cycle_time_p50"]["n"] == int(in_order.sum())
    assert result["by_id"]["seg_transit_p50"]["n"] == 0
    # The same per shipment mode (tower's channel for SCMS), from the same import.
    for mode in ("Air", "Ocean", "Truck"):
        mine = raw[(raw["Shipment Mode"] == mode) & (raw["qty"] > 0)]
        by_mode = kpis(monkeypatch, capsys, db_url, "--channel", mode, "--no-refresh")["by_id"]["otif"]
        assert by_mode["n"] == len(mine)
        assert by_mode["value"] == pytest.approx((mine["delivered"] <= mine["scheduled"]).mean())


def test_scms_dates_are_parsed_in_their_listed_formats_or_rejected_with_the_reason():
    from tower.importers.dates import UnreadableDate, parse_date
    from tower.importers.scms import FORMATS, NOT_CAPTURED

    assert parse_date("02-Jun-06", FORMATS, what="d").isoformat() == "2006-06-02"
    assert parse_date("6/2/06", FORMATS, what="d").isoformat() == "2006-06-02"  # M/D/YY
    assert parse_date("2006-06-02", FORMATS, what="d").isoformat() == "2006-06-02"
    assert parse_date("Date Not Captured", FORMATS, what="d", not_captured=NOT_CAPTURED) is None
    assert parse_date("N/A - From RDC", FORMATS, what="d", not_captured=NOT_CAPTURED) is None
    with pytest.raises(UnreadableDate, match="'13/25/06'"):
        parse_date("13/25/06", FORMATS, what="d")  # neither M/D/YY nor anything else: never guessed


def test_an_unreadable_scms_date_becomes_a_dead_letter_with_the_reason(shared_data, tmp_path, db_url, monkeypatch, capsys):
    import sqlalchemy as sa

    src = shared_data / "shipping" / "usaid_scms_delivery_history.csv"
    lines = src.read_text(encoding="utf-8-sig").splitlines(keepends=True)[:4]
    lines[2] = lines[2].replace("14-Nov-06", "sometime in Nov", 1)
    bad = tmp_path / "scms.csv"
    bad.write_text("".join(lines), encoding="utf-8-sig")
    code, out = tower(monkeypatch, capsys, db_url, "import", "scms", str(bad))
    assert code == 1
    assert "3 rows read" in out and "1 rejected" in out
    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        letters = conn.execute(sa.text("SELECT stream, record_key, reason FROM dead_letters")).all()
        orders = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
    engine.dispose()
    assert orders == 2
    assert [(s, k) for s, k, _ in letters] == [("scms", "SCMS-3")]
    assert "'sometime in Nov'" in letters[0][2]
