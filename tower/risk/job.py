"""The risk job of the collector process (never a web worker): retrain when the model in
service is older than `risk_model.retrain_hours` (or there is none), then score every open
order. Scheduled every minute by collectors/scheduler.py; it works every
`risk_model.score_minutes` (`Cadence`), and at its first run after the sources have caught up.

While a source is catching up (reading a backlog) the job waits: a store that is still missing
deliveries makes every order look late, so a model trained then learns missing data, not
lateness (the demo's first model, trained six minutes into its backfill, called 5,055 of 5,062
held-out orders late), and flags scored then would be the false alarms a catch-up must not
raise; invoices checked against shipments the store has not read yet look wrong too."""

from __future__ import annotations

import logging
import time
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


@dataclass
class Cadence:
    """When the job last did its work (the collector process keeps one): it works again once
    `every_seconds` have passed. A run that waited for a catch-up did no work, so the next
    minute's run tries again: the first scores after a fresh start land a minute after the
    sources catch up, not up to `score_minutes` later."""

    every_seconds: float
    last: float | None = None   # monotonic time of the last run that did the work

    def due(self, at: float) -> bool:
        return self.last is None or at - self.last >= self.every_seconds


def run(engine: Engine, *, policy: Policy, now: datetime, cadence: Cadence | None = None) -> JobResult:
    """One run: maybe retrain (its own transaction), then score (another), then check the
    invoices (a third: it needs no model); or nothing while a source catches up, or before
    `cadence` says the work is due again (None: always due)."""
    at = time.monotonic()
    if cadence is not None and not cadence.due(at):
        return JobResult(None, None, None)
    with engine.begin() as conn:
        behind = catching_up(conn=conn, policy=policy, now=now)
    if behind:
        log.info("risk model: waiting while %s catch up", ", ".join(behind))
        return JobResult(None, None, None, waiting_for=behind)
    if cadence is not None:
        cadence.last = at
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
