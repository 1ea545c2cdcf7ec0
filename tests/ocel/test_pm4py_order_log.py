"""pm4py's simulated order log (OCEL 1.0 flattened CSV) through `tower import ocel` with the
mapping that ships with tower: orders, lines, shipments, payments, delivered orders and the
cycle-time median equal what pandas reads from the CSV itself."""

from __future__ import annotations

import ast
import math

import pandas as pd
import pytest

from tests.importers.helpers import kpis, tower


def _objects(cell: str) -> list[str]:
    return [str(x) for x in ast.literal_eval(cell)] if cell.strip() else []


def test_the_pm4py_order_log_lands_as_its_own_figures_say(shared_data, db_url, monkeypatch, capsys):
    path = shared_data / "ocel" / "pm4py_ocel_order_simulated.csv"
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    raw["time"] = pd.to_datetime(raw["ocel:timestamp"], utc=True)
    raw["orders"] = raw["ocel:type:orders"].map(_objects)
    raw["items"] = raw["ocel:type:items"].map(_objects)
    raw["packages"] = raw["ocel:type:packages"].map(_objects)
    placed = raw[raw["ocel:activity"] == "place order"]
    item_order = {i: o[0] for o, items in zip(placed["orders"], placed["items"]) for i in items}
    placed_at = {o[0]: t for o, t in zip(placed["orders"], placed["time"])}
    packing = raw[raw["ocel:activity"] == "create package"]
    package_items = {p[0]: items for p, items in zip(packing["packages"], packing["items"])}
    sent = {p[0] for p in raw[raw["ocel:activity"] == "send package"]["packages"]}
    delivered_at = {p[0]: t for p, t in zip(raw[raw["ocel:activity"] == "package delivered"]["packages"],
                                            raw[raw["ocel:activity"] == "package delivered"]["time"])}

    code, out = tower(monkeypatch, capsys, db_url, "import", "ocel", str(path))
    assert "mapping: pm4py simulated order management" in out
    assert code == 0, out
    assert f"{len(raw)} rows read" in out and "0 rejected" in out
    assert "'payment reminder' not mapped" in out

    result = kpis(monkeypatch, capsys, db_url, "--dataset", "ocel")
    figures = result["dataset"]
    assert figures["orders"] == len(placed_at) == 2000
    pay = raw[raw["ocel:activity"] == "pay order"]
    assert figures["paid"] == pytest.approx(pd.to_numeric(pay["price"]).sum(), abs=0.01)
    shipments = {(p, item_order[i]) for p, items in package_items.items() for i in items}
    assert figures["shipments"] == len(shipments)

    # An order is delivered when every one of its items went out in a package that arrived.
    items_of: dict[str, list[str]] = {}
    for item, order in item_order.items():
        items_of.setdefault(order, []).append(item)
    package_of = {i: p for p, items in package_items.items() for i in items}
    done = {}
    for order, items in items_of.items():
        packages = [package_of.get(i) for i in items]
        if all(p in sent and p in delivered_at for p in packages):
            done[order] = max(delivered_at[p] for p in packages)
    assert figures["by_stage"].get("delivered", 0) == len(done)

    # The registry's median: nearest rank over durations cut to whole minutes.
    minutes = sorted(math.floor((t - placed_at[o]).total_seconds() / 60) for o, t in done.items())
    cycle = result["by_id"]["cycle_time_p50"]
    assert cycle["n"] == len(done)
    assert cycle["value"] == pytest.approx(minutes[math.ceil(0.5 * len(minutes)) - 1] / 60)
