"""Benchmark: `tower export ocel` streams the store, it never holds it.

    python bench/ocel_export.py [--datasets olist scms vbfa northwind] [--format json]

Imports the real datasets from TOWER_SHARED_DATA (default ../shared/data) into a throwaway
database, then in the same run measures (1) the baseline: reading every milestone into a
Python list (what an exporter that loads the store would hold), and (2) the OCEL export to a
file. Prints milestones, seconds and the growth of the process's peak resident memory (sampled
every 10 ms) of each, and as the last line the ratio export growth / baseline growth
(streaming: well below 1, whatever the store size). The export runs first, so the baseline's
allocations cannot hide in memory the export already took.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import sqlalchemy as sa  # noqa: E402

from bench._common import bench_database  # noqa: E402
from tower.db import make_engine  # noqa: E402
from tower.importers.run import import_dataset  # noqa: E402
from tower.ocel.export import write_log  # noqa: E402

PATHS = {"olist": "olist", "scms": "shipping/usaid_scms_delivery_history.csv",
         "vbfa": "erp/sap_vbfa_document_flow.csv", "northwind": "erp/northwind.sqlite"}


def _measure(fn):
    proc = psutil.Process()
    start = proc.memory_info().rss
    peak = [start]
    done = threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], proc.memory_info().rss)
            time.sleep(0.01)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    t0 = time.perf_counter()
    result = fn()
    seconds = time.perf_counter() - t0
    done.set()
    thread.join()
    return result, seconds, max(peak[0] - start, 0) / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--datasets", nargs="+", default=["olist", "scms", "vbfa", "northwind"], choices=sorted(PATHS))
    ap.add_argument("--format", default="json", choices=["json", "xml", "sqlite"])
    args = ap.parse_args()
    shared = Path(os.environ.get("TOWER_SHARED_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
    with bench_database("tower_bench_ocel") as url:
        engine = make_engine(url)
        for name in args.datasets:
            import_dataset(engine=engine, name=name, path=shared / PATHS[name], progress=False)
        with engine.connect() as conn:
            n = conn.execute(sa.text("SELECT count(*) FROM milestones")).scalar_one()
        out = Path(tempfile.mkdtemp()) / f"log.{args.format}"
        with engine.connect() as conn:
            counts, t_export, m_export = _measure(lambda: write_log(conn=conn, path=out, fmt=args.format))
        with engine.connect() as conn:
            rows, t_base, m_base = _measure(lambda: conn.execute(sa.text("SELECT * FROM milestones")).mappings().all())
            del rows
        engine.dispose()
    print(f"milestones in the store:   {n}")
    print(f"baseline, load all:        {t_base:6.1f} s  peak RSS +{m_base:7.1f} MiB")
    print(f"export ocel {args.format:<6}:        {t_export:6.1f} s  peak RSS +{m_export:7.1f} MiB  "
          f"({counts['events']} events, {counts['objects']} objects, {out.stat().st_size / 2**20:.0f} MiB file)")
    print(f"ratio export peak / baseline peak: {m_export / m_base:.2f}")


if __name__ == "__main__":
    main()
