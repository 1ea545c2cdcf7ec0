"""Read back every projection as plain data, without columns that record *when* tower wrote."""

from __future__ import annotations

import sqlalchemy as sa

_TABLES = {
    "orders": ("order_id", {"updated_at"}),
    "order_lines": ("order_id, line_no", set()),
    "shipments": ("shipment_id", set()),
    "invoices": ("invoice_id", set()),
    "payments": ("payment_id", set()),
    "returns": ("return_id", set()),
}


def projections(conn) -> dict[str, list[dict]]:
    out = {}
    for table, (order_by, volatile) in _TABLES.items():
        rows = conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY {order_by}")).mappings().all()
        out[table] = [{k: v for k, v in r.items() if k not in volatile} for r in rows]
    return out


def truncate(conn, tables: str) -> None:
    """TRUNCATE `tables` inside the test's transaction. The projections' keys to orders are
    checked at commit (migration 0024), and TRUNCATE refuses a table with checks pending, so
    they are checked first (ingest and the rebuild defer them again)."""
    conn.execute(sa.text("SET CONSTRAINTS ALL IMMEDIATE"))
    conn.execute(sa.text(f"TRUNCATE {tables} CASCADE"))
