"""An update marks an order or exception for the analytics job only when it changes what the
KPI facts are computed from (migration 0026): the rules worker rewrites every order it
evaluates, and a re-evaluation that moves no figure must not queue the store again. The list
of columns the triggers watch is held to what tower/kpis/facts.sql reads."""

from __future__ import annotations

import re
from pathlib import Path

import sqlalchemy as sa

from tests.kpis import fixtures
from tower.kpis import facts
from tower.rules.policy import cached
from tower.store.ingest import ingest

FACTS_SQL = Path(facts.__file__).with_name("facts.sql")


def _marks(conn) -> list[tuple[str, str]]:
    return [tuple(r) for r in conn.execute(sa.text("SELECT subject_type, subject_id FROM kpi_dirty ORDER BY mark_id"))]


def _read_columns(alias: str, table: str) -> set[str]:
    """Columns facts.sql reads as `<alias>.<column>` in the statements that name `<table> <alias>`."""
    statements = FACTS_SQL.read_text().split("-- name: ")
    return {column for statement in statements if re.search(rf"\b{table}\s+{alias}\b", statement)
            for column in re.findall(rf"\b{alias}\.([a-z_]+)", statement)}


def _watched(conn, function: str) -> str:
    return conn.execute(sa.text("SELECT pg_get_functiondef(CAST(:f AS regproc))"), {"f": function}).scalar_one()


def test_the_triggers_watch_every_column_the_facts_read(engine):
    orders, exceptions = _read_columns("o", "orders"), _read_columns("e", "exceptions")
    assert {"stage", "status", "promised_at", "due_at"} <= orders and {"resolved_at", "origin"} <= exceptions
    with engine.connect() as conn:
        on_orders, on_exceptions = _watched(conn, "kpi_mark_changed_orders"), _watched(conn, "kpi_mark_changed_exceptions")
    assert {c for c in orders if f"n.{c}" not in on_orders} == set()
    assert {c for c in exceptions if f"n.{c}" not in on_exceptions} == set()


def test_a_rewrite_that_moves_no_figure_marks_nothing_and_one_that_does_marks_its_subject(engine):
    o = fixtures._Order("W", wh="DAL-1", region="South", channel="edi", cust="C-9", lines=[(1, 1, 10.0)], promised=24)
    o.lines("erp", "atp_confirmed", 1, {1: 1}).add("erp", "released", 2)
    with engine.begin() as conn:
        ingest(conn=conn, milestones=o.events)
        exception_id = conn.execute(sa.text(
            "INSERT INTO exceptions (kind, severity, title, opened_at, order_id, status) "
            "VALUES ('stage_overdue', 'high', 'late', now(), 'W', 'open') RETURNING exception_id")).scalar_one()
        assert ("exception", str(exception_id)) in _marks(conn)      # an insert always marks
        facts.refresh_all(conn=conn, now=fixtures.at(3), policy=cached())
        assert _marks(conn) == []

        # What the rules worker writes on every evaluation: words, owner, next check, times.
        conn.execute(sa.text("UPDATE orders SET reason = 'waiting on the pick', sla_state = 'at_risk', "
                             "evaluated_at = now(), next_check_at = now() WHERE order_id = 'W'"))
        conn.execute(sa.text("UPDATE exceptions SET title = 'still late', last_evaluated_at = now(), "
                             "detail = '{\"n\": 2}' WHERE exception_id = :x"), {"x": exception_id})
        assert _marks(conn) == []

        conn.execute(sa.text("UPDATE orders SET due_at = coalesce(due_at, now()) + interval '1 hour' WHERE order_id = 'W'"))
        conn.execute(sa.text("UPDATE exceptions SET status = 'resolved', resolved_at = now() WHERE exception_id = :x"),
                     {"x": exception_id})
        assert _marks(conn) == [("order", "W"), ("exception", str(exception_id))]
