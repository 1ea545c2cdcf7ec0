"""Load the facts of a batch of orders in a few set-based queries (one per table)."""

from __future__ import annotations

from decimal import Decimal
from typing import Iterable

from psycopg.rows import dict_row
from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.rules.facts import OrderFacts

_SQL = sqlfiles.load_psycopg(__file__, "load.sql")
_TABLES = ("lines", "shipments", "invoices", "returns", "milestones")


def _plain(row: dict) -> dict:
    # Numbers arrive as Decimal; the rules work in floats (quantities and money to 2 places).
    return {k: float(v) if isinstance(v, Decimal) else v for k, v in row.items()}


def load_facts(*, conn: Connection, order_ids: Iterable[str]) -> list[OrderFacts]:
    """OrderFacts for each id that exists in `orders` (ids without an order row are skipped)."""
    ids = list(order_ids)
    if not ids:
        return []
    with raw(conn).cursor(row_factory=dict_row) as cur:
        cur.execute(_SQL["orders"], {"ids": ids}, binary=True)
        facts = {r["order_id"]: OrderFacts(order=_plain(r)) for r in cur.fetchall()}
        for table in _TABLES:
            cur.execute(_SQL[table], {"ids": ids}, binary=True)
            for row in cur.fetchall():
                target = facts.get(row["order_id"])
                if target is None:
                    continue
                if table == "milestones":
                    row["attrs"] = row["attrs"] or {}
                    getattr(target, table).append(row)
                else:
                    getattr(target, table).append(_plain(row))
    return list(facts.values())
