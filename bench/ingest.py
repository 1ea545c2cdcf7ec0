"""Benchmark: tower's ingest against raw COPY into the same table and indexes.

    python bench/ingest.py [--rows 1000000] [--batch 20000]

Generates realistic milestones (order lives across ERP, WMS, carrier and finance, with carrier
scans and payments addressed by tracking / invoice number), then in one run against one
database: (1) COPY the rows straight into `milestones` (the raw baseline: no validation, no
dedup, no projections), truncate, (2) tower's `ingest` in batches (validation, identifier
resolution, dedup, projections of orders / lines / shipments / invoices / payments, dirty
marks), then (2b) the same batches as the collector writes a backlog (projections queued, the
queue drained after), (3) every row tower stored (milestones, identifiers, projections, dirty and change
marks), read out, truncated, and COPYed back into the same tables: the floor of any ingest
that stores those rows, however it computes them. Prints the three rates, the ratio of the
floor to the raw COPY (the best ratio any such ingest can reach) and, as the last line, the
ratio ingest / COPY (target >= 0.5, issue 10).
"""

from __future__ import annotations

import argparse
import gc
import io
import random
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Iterator

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import psycopg  # noqa: E402

from bench._common import bench_database  # noqa: E402
from collectors.projector import drain  # noqa: E402
from tower.db import make_engine, raw  # noqa: E402
from tower.store import ingest  # noqa: E402
from tower.store.milestone import normalise  # noqa: E402

T0 = datetime(2026, 9, 1, tzinfo=timezone.utc)
WAREHOUSES = [("DAL-1", "South"), ("ATL-1", "East"), ("RNO-1", "West")]


def order_events(n: int, rng: random.Random) -> list[dict]:
    oid = f"SO-{n:08d}"
    wh, region = WAREHOUSES[n % 3]
    t = T0 + timedelta(minutes=n * 3 % 86400)
    lines = [dict(line_no=i + 1, sku=f"SKU-{rng.randrange(5000):05d}", qty=rng.randint(1, 40),
                  unit_price=round(rng.uniform(2, 90), 2), list_price=round(rng.uniform(2, 90), 2))
             for i in range(rng.randint(1, 3))]
    ship, trk, inv = f"{oid}-S1", f"1Z{n:010d}", f"INV-{n:08d}"
    h = lambda x: (t + timedelta(hours=x)).isoformat()  # noqa: E731
    ev = [
        dict(source="erp", source_event_id=f"{oid}:p", kind="placed", order_id=oid, occurred_at=h(0),
             attrs=dict(customer_id=f"C-{n % 900}", customer_name=f"Customer {n % 900}", customer_po=f"PO-{n}",
                        channel=("web", "edi", "rep")[n % 3], warehouse=wh, region=region, currency="USD",
                        promised_at=h(96), lines=lines)),
        dict(source="erp", source_event_id=f"{oid}:a", kind="atp_confirmed", order_id=oid, occurred_at=h(0.1),
             attrs=dict(lines=[dict(line_no=l["line_no"], qty=l["qty"]) for l in lines])),
        dict(source="erp", source_event_id=f"{oid}:r", kind="released", order_id=oid, occurred_at=h(0.5)),
    ]
    ev += [dict(source="wms", source_event_id=f"{oid}:k{l['line_no']}", kind="picked", order_id=oid,
                occurred_at=h(3), line_no=l["line_no"], attrs=dict(qty=l["qty"])) for l in lines]
    shipped = [dict(line_no=l["line_no"], qty=l["qty"]) for l in lines]
    ev += [
        dict(source="wms", source_event_id=f"{oid}:s", kind="shipped", order_id=oid, occurred_at=h(6),
             shipment_id=ship, attrs=dict(carrier="UPS", tracking_no=trk, lines=shipped)),
        dict(source="carrier", source_event_id=f"{trk}:1", kind="carrier_pickup", occurred_at=h(8),
             ref=dict(system="carrier", kind="tracking_no", value=trk)),
        dict(source="carrier", source_event_id=f"{trk}:2", kind="delivered", occurred_at=h(40),
             ref=dict(system="carrier", kind="tracking_no", value=trk)),
        dict(source="finance", source_event_id=f"{inv}:i", kind="invoiced", order_id=oid, occurred_at=h(10),
             invoice_id=inv, attrs=dict(invoice_no=inv, amount=sum(l["qty"] * l["unit_price"] for l in lines),
                                        lines=[dict(line_no=l["line_no"], qty=l["qty"], unit_price=l["unit_price"]) for l in lines])),
        dict(source="finance", source_event_id=f"{inv}:p", kind="paid", occurred_at=h(500),
             ref=dict(system="finance", kind="invoice_no", value=inv), payment_id=f"PAY-{n}",
             attrs=dict(amount=sum(l["qty"] * l["unit_price"] for l in lines))),
    ]
    for e in ev:
        e["_order"] = oid  # for the baseline only: ingest ignores it and resolves refs itself
    return ev


def milestones(rows: int, seed: int = 1) -> Iterator[dict]:
    rng = random.Random(seed)
    n = made = 0
    while made < rows:
        for e in order_events(n, rng):
            if made == rows:
                return
            yield e
            made += 1
        n += 1


def raw_rows(events: list[dict]) -> list[tuple]:
    """The same facts as COPY-ready tuples (refs pre-resolved: the baseline does no lookups)."""
    out = []
    for e in events:
        row = normalise(e)
        out.append((e["_order"], row["source"], row["source_event_id"], row["kind"], row["occurred_at"],
                    row["line_no"], row["shipment_id"], row["invoice_id"], row["payment_id"], row["return_id"],
                    row["attrs"]))
    return out


# Every table tower's ingest writes, parents first (the projections' keys point at orders).
STORED = ("milestones", "identifiers", "parked_milestones", "orders", "order_lines", "shipments",
          "invoices", "payments", "returns", "dirty_orders", "change_feed", "kpi_dirty")


def copy_back_stored(url: str) -> tuple[int, float]:
    """Read out every row tower stored, empty the tables and COPY the rows back in one
    transaction; returns (rows, seconds of the COPYs). The orders' triggers are off for it:
    the change-feed and KPI marks they would write are among the rows copied back."""
    with psycopg.connect(url, autocommit=True) as conn:
        dumps = {}
        for table in STORED:
            buf = io.BytesIO()
            with conn.cursor().copy(f"COPY {table} TO STDOUT") as copy:
                for chunk in copy:
                    buf.write(chunk)
            dumps[table] = buf.getvalue()
        rows = sum(d.count(b"\n") for d in dumps.values())
        conn.execute(f"TRUNCATE {', '.join(STORED)} CASCADE")
        conn.execute("VACUUM ANALYZE")
        with conn.transaction():
            conn.execute("ALTER TABLE orders DISABLE TRIGGER USER")
            t = time.perf_counter()
            for table in STORED:
                with conn.cursor().copy(f"COPY {table} FROM STDIN") as copy:
                    copy.write(dumps[table])
            seconds = time.perf_counter() - t
            conn.execute("ALTER TABLE orders ENABLE TRIGGER USER")
    return rows, seconds


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--batch", type=int, default=20_000)
    args = ap.parse_args()
    events = list(milestones(args.rows))
    prepared = raw_rows(events)
    # The generated input is not part of what is measured: without this, the collector's
    # garbage collections walk the whole input held here (a million dicts) again and again,
    # about half of the validation's time, which a collector holding one page never pays.
    gc.freeze()
    with bench_database("tower_bench_ingest") as url:
        engine = make_engine(url)
        # 1. raw COPY baseline into the indexed milestones table
        with engine.begin() as conn:
            t = time.perf_counter()
            with raw(conn).cursor() as cur, cur.copy(
                    "COPY milestones (order_id, source, source_event_id, kind, occurred_at, line_no, shipment_id,"
                    " invoice_id, payment_id, return_id, attrs) FROM STDIN") as copy:
                for r in prepared:
                    copy.write_row(r)
        copy_s = time.perf_counter() - t
        with engine.begin() as conn:
            raw(conn).execute("TRUNCATE milestones")
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute("VACUUM ANALYZE milestones")
        # 2. tower's ingest, batch by batch, one transaction each
        t = time.perf_counter()
        inserted = 0
        for i in range(0, len(events), args.batch):
            with engine.begin() as conn:
                inserted += ingest(conn=conn, milestones=events[i:i + args.batch]).inserted
        ingest_s = time.perf_counter() - t
        with engine.connect() as conn:
            orders = raw(conn).execute("SELECT count(*) FROM orders").fetchone()[0]
        # 2b. the collector's path while it reads a backlog: the same batches with their
        # projections queued, then the queue drained (tower.store.projection_queue)
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"TRUNCATE {', '.join(STORED)}, projection_queue CASCADE")
            admin.execute("VACUUM ANALYZE")
        t = time.perf_counter()
        for i in range(0, len(events), args.batch):
            with engine.begin() as conn:
                ingest(conn=conn, milestones=events[i:i + args.batch], defer_projection=True)
        drain(engine)
        deferred_s = time.perf_counter() - t
        with engine.connect() as conn:
            deferred_orders = raw(conn).execute("SELECT count(*) FROM orders").fetchone()[0]
        assert deferred_orders == orders, f"the drained queue projected {deferred_orders} orders, not {orders}"
        engine.dispose()
        stored_rows, floor_s = copy_back_stored(url)
    copy_rate, ingest_rate = len(prepared) / copy_s, inserted / ingest_s
    floor_rate = len(prepared) / floor_s
    print(f"rows: {len(events):,}  orders: {orders:,}  batch: {args.batch:,}")
    print(f"raw COPY into milestones:        {copy_rate:>10,.0f} rows/s  ({copy_s:.1f} s)")
    print(f"COPY of every row tower stores:  {floor_rate:>10,.0f} rows/s  ({floor_s:.1f} s, "
          f"{stored_rows:,} rows in {len(STORED)} tables)")
    print(f"tower ingest (dedup+projection): {ingest_rate:>10,.0f} rows/s  ({ingest_s:.1f} s)")
    print(f"  queued, then drained (backlog): {inserted / deferred_s:>10,.0f} rows/s  ({deferred_s:.1f} s)")
    print(f"ratio floor/COPY: {floor_rate / copy_rate:.2f} (no ingest that stores these rows can do better)")
    print(f"ratio ingest/floor: {ingest_rate / floor_rate:.2f}")
    print(f"ratio ingest/COPY: {ingest_rate / copy_rate:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()
