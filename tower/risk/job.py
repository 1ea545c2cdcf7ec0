"""The risk job of the collector process (never a web worker): retrain when the model in
service is older than `risk_model.retrain_hours` (or there is none), then score every open
order. Scheduled every `risk_model.score_minutes` by collectors/scheduler.py.

While a source is catching up (reading a backlog) the job waits: a store that is still missing
deliveries makes every order look late, so a model trained then learns missing data, not
lateness (the demo's first model, trained six minutes into its backfill, called 5,055 of 5,062
held-out orders late), and flags scored then would be the false alarms a catch-up must not
raise; invoices checked against shipments the store has not read yet look wrong too."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from tower.evaluation.freshness import catching_up
from tower.risk import invoices, registry, scoring, training
from tower.rules.policy import Policy

log = logging.getLogger(__name__)


@dataclass
class JobResult:
    trained: training.TrainResult | None
    scored: scoring.ScoreResult | None
    invoices: invoices.InvoiceResult | None
    waiting_for: tuple[str, ...] = ()  # sources catching up: nothing was trained, scored or checked


def run(engine: Engine, *, policy: Policy, now: datetime) -> JobResult:
    """One run: maybe retrain (its own transaction), then score (another), then check the
    invoices (a third: it needs no model); or nothing while a source catches up."""
    with engine.begin() as conn:
        behind = catching_up(conn=conn, policy=policy, now=now)
    if behind:
        log.info("risk model: waiting while %s catch up", ", ".join(behind))
        return JobResult(None, None, None, waiting_for=behind)
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
