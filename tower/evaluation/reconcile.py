"""Bring the exceptions of a batch of orders in line with what the rules found.

For each (order, kind, subject):
  found, open exception exists        -> refresh its facts, value and priority (no audit row);
  found, latest one resolved          -> reopen it if it was auto-resolved (the condition
                                         cleared and came back) or the deciding facts changed
                                         (a person resolved it, then it happened again);
                                         a person's resolution of the very same facts stands;
  found, none                         -> open a new one (and record its escalation tier);
  not found, open exception exists    -> auto-resolve it, unless its kind was held back
                                         because a source it depends on is stale;
  a past life (rules.history), none    -> record it as history (origin 'history', resolved,
                                         its true open and close times, one 'recorded' audit
                                         row by 'history'): never opened, escalated or
                                         counted in team figures. A later live condition of
                                         the same key opens a live exception of its own.
Integration incidents are handled by `tower.evaluation.incidents`, never here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from psycopg.rows import dict_row
from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.rules.facts import Finding, Outcome
from tower.rules.history import PastException

_SQL = sqlfiles.load_psycopg(__file__, "reconcile.sql", binary=True)
INCIDENT = "integration_incident"
# Raised by the risk model and the invoice check (tower/risk/flags.py), which also close them:
# never auto-resolved here.
MODEL_KINDS = frozenset({"sla_miss_risk", "invoice_discrepancy"})


@dataclass
class ReconcileResult:
    opened: int = 0
    refreshed: int = 0
    reopened: int = 0
    resolved: int = 0
    history: int = 0


def _columns(rows: list[tuple[Finding, int | None, str | None]], *names: str) -> dict[str, list]:
    out: dict[str, list] = {n: [] for n in names}
    for finding, exception_id, order_id in rows:
        for n in names:
            if n == "exception_id":
                out[n].append(exception_id)
            elif n == "order_id":
                out[n].append(order_id)
            elif n == "team_id":
                out[n].append(finding.team)
            elif n == "detail":
                out[n].append(json.dumps(finding.detail, default=str))
            else:
                out[n].append(getattr(finding, n))
    return out


def _history_columns(rows: list[tuple[PastException, str]]) -> dict[str, list]:
    return {"order_id": [o for _, o in rows], "kind": [p.kind for p, _ in rows],
            "subject": [p.subject for p, _ in rows], "severity": [p.severity for p, _ in rows],
            "team_id": [p.team for p, _ in rows], "title": [p.title for p, _ in rows],
            "detail": [json.dumps(p.detail, default=str) for p, _ in rows],
            "opened_at": [p.opened_at for p, _ in rows], "closed_at": [p.closed_at for p, _ in rows]}


def reconcile(*, conn: Connection, outcomes: Sequence[Outcome], now: datetime,
              policy_version: str) -> ReconcileResult:
    result = ReconcileResult()
    if not outcomes:
        return result
    pg = raw(conn)
    with pg.cursor(row_factory=dict_row) as cur:
        cur.execute(_SQL["existing"], {"ids": [o.order_id for o in outcomes]})
        existing = {(r["order_id"], r["kind"], r["subject"]): r for r in cur.fetchall()}
    by_order: dict[str, list[tuple[tuple[str, str, str], dict]]] = {}
    for key, ex in existing.items():
        by_order.setdefault(key[0], []).append((key, ex))
    new: list[tuple[Finding, int | None, str | None]] = []
    fresh: list[tuple[Finding, int | None, str | None]] = []
    again: list[tuple[Finding, int | None, str | None]] = []
    cleared: list[Any] = []
    history: list[tuple[PastException, str]] = []
    for outcome in outcomes:
        found: set[tuple[str, str, str]] = set()
        for f in outcome.findings:
            key = (outcome.order_id, f.kind, f.subject)
            if key in found:
                continue
            found.add(key)
            prior = existing.get(key)
            if prior is None or (prior["origin"] == "history" and prior["status"] == "resolved"):
                # A past life kept as history is not this live condition: it opens its own.
                new.append((f, None, outcome.order_id))
            elif prior["status"] != "resolved":
                fresh.append((f, prior["exception_id"], outcome.order_id))
            elif (prior["resolution"] or "").startswith("auto") or prior["fingerprint"] != f.fingerprint:
                again.append((f, prior["exception_id"], outcome.order_id))
        for past in outcome.history:
            key = (outcome.order_id, past.kind, past.subject)
            if key not in existing and key not in found:
                found.add(key)
                history.append((past, outcome.order_id))
        for key, old in by_order.get(outcome.order_id, ()):
            if (old["status"] != "resolved" and key not in found
                    and old["kind"] != INCIDENT and old["kind"] not in MODEL_KINDS
                    and old["kind"] not in outcome.suppressed):
                cleared.append(old["exception_id"])
    base = {"now": now, "version": policy_version}
    with pg.cursor() as cur:
        if new:
            cur.execute(_SQL["insert"], params={**base, **_columns(
                new, "order_id", "kind", "subject", "severity", "team_id", "title", "detail",
                "value_at_risk", "due_at", "escalate_at", "rule", "fingerprint", "since")})
            result.opened = len(new)
        if fresh:
            cur.execute(_SQL["refresh"], params={**base, **_columns(
                fresh, "exception_id", "title", "detail", "value_at_risk", "severity", "fingerprint", "since")})
            result.refreshed = cur.rowcount
        if again:
            cur.execute(_SQL["reopen"], params={**base, **_columns(
                again, "exception_id", "title", "detail", "value_at_risk", "due_at", "escalate_at",
                "fingerprint", "since")})
            result.reopened = cur.rowcount
        if cleared:
            cur.execute(_SQL["auto_resolve"], {**base, "ids": cleared})
            result.resolved = cur.rowcount
        if history:
            cur.execute(_SQL["record_history"], params={**base, **_history_columns(history)})
            result.history = len(history)
    return result
