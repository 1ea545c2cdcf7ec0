"""The risk job of the collector process (never a web worker): retrain when the model in
service is older than `risk_model.retrain_hours` (or there is none), then score every open
order. Scheduled every `risk_model.score_minutes` by collectors/scheduler.py."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from tower.risk import invoices, registry, scoring, training
from tower.rules.policy import Policy

log = logging.getLogger(__name__)


@dataclass
class JobResult:
    trained: training.TrainResult | None
    scored: scoring.ScoreResult
    invoices: invoices.InvoiceResult


def run(engine: Engine, *, policy: Policy, now: datetime) -> JobResult:
    """One run: maybe retrain (its own transaction), then score (another), then check the
    invoices (a third: it needs no model)."""
    trained = None
    with engine.begin() as conn:
        last = registry.last_trained(conn=conn)
        if last is None or now - last >= timedelta(hours=policy.risk_model.retrain_hours):
            trained = training.train(conn=conn, now=now, policy=policy)
            log.info("risk model: %s (%s)", trained.version or "not trained", trained.reason)
    with engine.begin() as conn:
        scored = scoring.score_open(conn=conn, now=now, policy=policy)
    with engine.begin() as conn:
        checked = invoices.check(conn=conn, now=now, policy=policy)
    return JobResult(trained, scored, checked)
