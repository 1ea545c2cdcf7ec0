"""An SAP VBFA document flow through `tower import vbfa`: orders, goods issues, invoices and
the time from goods issue to invoice equal what pandas reads from the link table itself."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.importers.helpers import kpis, tower


def test_vbfa_import_matches_the_raw_document_flow(shared_data, db_url, monkeypatch, capsys):
    path = shared_data / "erp" / "sap_vbfa_document_flow.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["at"] = pd.to_datetime(raw["ERDAT"] + raw["ERZET"].str.zfill(6), format="%Y%m%d%H%M%S", utc=True)
    raw["value"] = pd.to_numeric(raw["RFWRT"])
    from_orders = raw[raw["VBTYP_V"] == "C"]
    invoices = from_orders[from_orders["VBTYP_N"] == "M"]
    issues = from_orders[(from_orders["VBTYP_N"] == "R") & (from_orders["BWART"].str.strip() == "601")]

    code, out = tower(monkeypatch, capsys, db_url, "import", "vbfa", str(path))
    assert code == 0, out
    orders = from_orders["VBELV"].nunique()
    assert f"{orders} rows read" in out and "0 rejected" in out

    result = kpis(monkeypatch, capsys, db_url, "--dataset", "vbfa")
    figures = result["dataset"]
    assert figures["orders"] == orders == 10916
    per_invoice = invoices.groupby(["VBELV", "VBELN"])["value"].sum().round(2)
    assert figures["invoices"] == len(per_invoice)
    assert figures["invoiced"] == pytest.approx(per_invoice.sum(), abs=0.01)
    assert figures["shipments"] == issues.groupby(["VBELV", "VBELN"]).ngroups

    # Invoice latency: mean of (first invoice - first goods issue) over orders with both,
    # each counted in the period of its first invoice.
    first_invoice = invoices.groupby("VBELV")["at"].min()
    first_issue = issues.groupby("VBELV")["at"].min()
    both = pd.concat([first_invoice.rename("inv"), first_issue.rename("gi")], axis=1, join="inner")
    latency = ((both["inv"] - both["gi"]).dt.total_seconds() / 3600)
    kpi = result["by_id"]["invoice_latency"]
    assert kpi["n"] == len(both)
    assert kpi["value"] == pytest.approx(latency.mean(), rel=1e-9)
    # The same for one year only, through --from / --to.
    year = both[(both["inv"] >= "2020-01-01") & (both["inv"] < "2021-01-01")]
    kpi_2020 = kpis(monkeypatch, capsys, db_url, "--from", "2020-01-01", "--to", "2020-12-31",
                    "--no-refresh")["by_id"]["invoice_latency"]
    assert kpi_2020["n"] == len(year) > 0
    assert kpi_2020["value"] == pytest.approx(((year["inv"] - year["gi"]).dt.total_seconds() / 3600).mean(), rel=1e-9)
