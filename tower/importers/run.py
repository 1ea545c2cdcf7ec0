"""`tower import <dataset> PATH`: the one entry every importer goes through.

Each dataset module has `count(path)` (rows, for the progress bar) and `records(path)`
(an iterator of `connector.Record`); this module checks the path and runs the connector into
the store (the command, tower/commands/imports.py, opens the store and prints the summary; it
exits 1 when anything was rejected, the dead letters saying what and why).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from tower.errors import UserError


@dataclass(frozen=True)
class Dataset:
    name: str
    help: str
    module: str          # tower.importers.<module> with count() and records()
    expects: str         # what PATH must be (for the error message)
    check: Callable[[Path], bool]


DATASETS: dict[str, Dataset] = {d.name: d for d in (
    Dataset("olist", "the Olist e-commerce sample (folder of its CSV files)", "tower.importers.olist",
            "a folder holding olist_orders_dataset.csv", lambda p: (p / "olist_orders_dataset.csv").is_file()),
    Dataset("northwind", "the Northwind sample ERP (SQLite file)", "tower.importers.northwind",
            "a Northwind SQLite file", lambda p: p.is_file()),
    Dataset("vbfa", "an SAP VBFA sales document flow (CSV)", "tower.importers.vbfa",
            "a VBFA CSV file", lambda p: p.is_file()),
    Dataset("scms", "the USAID SCMS delivery history (CSV)", "tower.importers.scms",
            "the SCMS delivery history CSV", lambda p: p.is_file()),
)}


def import_dataset(*, engine, name: str, path: Path, progress: bool | None = None):
    """Run one dataset's connector into the store behind `engine`; returns the Summary."""
    import importlib

    from tower.importers import connector

    ds = DATASETS[name]
    if not ds.check(path):
        raise UserError(f"{path} is not {ds.expects}")
    module = importlib.import_module(ds.module)
    return connector.run(engine=engine, dataset=name, records=module.records(path), total=module.count(path),
                         progress=progress)
