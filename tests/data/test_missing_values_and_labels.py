"""Missing values (pandas 3 makes a missing text NaN, a float) in every frame shape handed to
the text builders, figures and grids; labels from data escaped where plotly or markdown would
interpret them; CSV cells that a spreadsheet would run neutralised."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import numpy as np
import pandas as pd
import pytest

from tests.data import factory
from tower.components.exception_panels import grid_rows
from tower.components.order_text import summary, where_is_it
from tower.components.text import label, markdown_link
from tower.data import exceptions as exc_data
from tower.data import orders
from tower.data.csv_safe import neutralise
from tower.data.scope import Scope
from tower.figures.exceptions import counts
from tower.figures.teams import workload
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

NOW = datetime(2026, 3, 2, 15, 0, tzinfo=timezone.utc)
NAN = np.nan


def _text(values) -> pd.Series:
    """A pandas 3 string column with missing values (NaN), as read_sql or a merge makes it."""
    return pd.Series(values, dtype="str")


def test_an_order_with_two_shipments_one_not_yet_scanned_reads_and_summarises(engine):
    seeded, milestones = factory.build(5, now=NOW)
    shipped = next(o for o in seeded.orders if o.reached == "in_transit")
    milestones.append(Milestone(source="wms", source_event_id="second-pack", kind="packed",
                                occurred_at=NOW - timedelta(hours=1), order_id=shipped.order_id,
                                shipment_id=f"SH-{shipped.order_id}-2", attrs={"lines": [{"line_no": 1, "qty": 1}]}))
    milestones.append(Milestone(source="wms", source_event_id="second-ship", kind="shipped",
                                occurred_at=NOW - timedelta(minutes=30), order_id=shipped.order_id,
                                shipment_id=f"SH-{shipped.order_id}-2", attrs={"carrier": "UPS"}))
    with engine.begin() as conn:
        ingest(conn=conn, milestones=milestones)
    everything = Scope.everything()
    with engine.connect() as conn:
        header = orders.header(shipped.order_id, conn=conn, scope=everything)
        ships = orders.shipments(shipped.order_id, conn=conn, scope=everything)
        inv = orders.invoices(shipped.order_id, conn=conn, scope=everything)
        lines = orders.lines(shipped.order_id, conn=conn, scope=everything)
    assert len(ships) == 2 and ships["last_scan_kind"].isna().any()
    assert all(v is None or isinstance(v, str) for v in ships["last_scan_kind"])
    text = summary(header, ships, inv, lines, tz="America/Chicago", now=NOW)
    assert f"Shipment SH-{shipped.order_id}-2 via UPS" in text


def _ships(**overrides) -> pd.DataFrame:
    frame = pd.DataFrame({
        "shipment_id": ["S1", "S2"], "carrier": _text(["UPS", NAN]), "tracking_no": _text([NAN, "1Z1"]),
        "status": _text(["in_transit", NAN]), "shipped_at": pd.to_datetime([NOW, NOW], utc=True),
        "delivered_at": pd.to_datetime([None, None], utc=True),
        "last_scan_kind": _text(["in_transit", NAN]), "last_scan_at": pd.to_datetime([NOW, None], utc=True),
        "estimated_delivery_at": pd.to_datetime([None, None], utc=True),
        "promised_delivery_at": pd.to_datetime([None, NOW], utc=True)})
    return frame.assign(**overrides)


def _invoices() -> pd.DataFrame:
    return pd.DataFrame({"invoice_id": ["I1"], "invoice_no": _text([NAN]), "currency": _text([NAN]),
                         "amount": [NAN], "status": _text([NAN]), "issued_at": pd.to_datetime([NOW], utc=True),
                         "due_at": pd.to_datetime([None], utc=True)})


@pytest.mark.parametrize("header", [
    {"order_id": "SO-1", "stage": "shipped", "status": "open"},
    {"order_id": "SO-1", "stage": NAN, "status": "open", "customer_po": NAN, "customer_name": NAN,
     "waiting_on": NAN, "owner_team": NAN, "owner_team_name": NAN, "sla_state": NAN, "value": None,
     "currency": NAN, "evaluated_at": NOW, "promised_at": None, "due_at": None},
])
def test_the_copy_status_text_copes_with_missing_values_in_every_frame(header):
    text = summary(header, _ships(), _invoices(), pd.DataFrame({"line_no": [1]}), tz="UTC", now=NOW)
    assert text.startswith("Order SO-1") and "nan" not in text.lower().replace("finance", "")
    assert where_is_it(header, tz="UTC").value


def test_grid_rows_cope_with_missing_text_and_numbers():
    frame = pd.DataFrame({
        "exception_id": [1], "order_id": [None], "severity": ["high"], "title": _text([NAN]),
        "status": ["open"], "sla_state": _text([NAN]), "team_name": _text([NAN]), "team_id": _text([NAN]),
        "assignee": _text([NAN]), "warehouse": _text([NAN]), "region": _text([NAN]), "priority": [NAN],
        "age_hours": [NAN], "opened_at": pd.to_datetime([NOW], utc=True), "due_at": pd.to_datetime([None], utc=True),
        "value_at_risk": [NAN], "escalation_tier": [NAN], "snoozed_until": pd.to_datetime([None], utc=True),
        "condition_since": pd.to_datetime([None], utc=True)})
    row = grid_rows(frame, "UTC", {})[0]
    assert row["order_id"] == "(incident)" and row["team"] == "—" and row["assignee_text"] == "(unassigned)"
    assert row["since"] == row["opened"]   # a rule that does not know when its condition began


def test_figures_cope_with_missing_names():
    fig = counts(pd.DataFrame({"team_name": _text(["Billing", NAN]), "n": [3, 1]}), "team_name", "Open by team")
    assert fig["data"][0]["y"] == ["Billing", "—"]
    work = workload(pd.DataFrame({"assignee": _text([NAN, "maria"]), "open": [2, 1], "overdue": [0, 1],
                                  "at_risk": [1, 0]}), title="t")
    assert "(not assigned)" in work["data"][0]["y"]


HOSTILE_NAME = '<a href="http://evil.example">boss</a>'


def test_a_link_typed_as_an_assignee_or_team_is_plain_text_in_every_chart():
    work = workload(pd.DataFrame({"assignee": [HOSTILE_NAME], "open": [1], "overdue": [0], "at_risk": [0]}),
                    title="Open exceptions of " + HOSTILE_NAME)
    shown = " ".join(work["data"][0]["y"]) + work["layout"]["title"]["text"]
    assert "<a" not in shown and "&lt;a href" in shown
    fig = counts(pd.DataFrame({"team_name": [HOSTILE_NAME], "n": [1]}), "team_name", "Open by team")
    assert "<a" not in fig["data"][0]["y"][0]
    assert label("x" * 500).endswith("…") and len(label("x" * 500)) == 80


def test_an_order_id_cannot_break_out_of_its_markdown_link():
    link = markdown_link("SO-1](javascript:alert(1))", "/orders/", "SO-1](javascript:alert(1))")
    text, target = link[1:].split("](", 1)
    assert target.startswith("/orders/SO-1%5D%28javascript") and "javascript:" not in target
    assert "\\]" in text and "\\(" in text


def test_csv_cells_a_spreadsheet_would_run_get_a_leading_apostrophe():
    frame = pd.DataFrame({col: [None] for col in exc_data.CSV_COLUMNS})
    frame["customer_name"] = ["=HYPERLINK(\"http://evil.example\",\"x\")"]
    frame["assignee"], frame["title"], frame["team_id"] = ["+1+1"], ["@SUM(A1)"], ["\tx"]
    frame["region"], frame["kind"] = ["-2+3"], ["\rcmd"]
    frame["value_at_risk"], frame["priority"], frame["age_hours"] = [-12.5], [1.0], [2.0]
    frame["opened_at"] = frame["due_at"] = pd.to_datetime([NOW], utc=True)
    row = next(csv.DictReader(io.StringIO(exc_data.to_csv(frame), newline="")))
    for col in ("customer_name", "assignee", "title", "team_id", "region", "kind"):
        assert row[col].startswith("'"), (col, row[col])
    assert row["value_at_risk"] == "-12.5"  # a number stays a number
    assert neutralise(pd.DataFrame({"=x": ["ok"]})).columns[0] == "'=x"
