"""The risk job trains, scores and checks invoices only once no source is catching up: a store
still reading a backlog is missing deliveries, so every order would look late."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.evaluation.story import POLICY
from tests.source_runs import record_carrier_run
from tower.risk import job


def _counts(engine: sa.Engine) -> tuple[int, ...]:
    with engine.connect() as conn:
        return tuple(conn.execute(sa.text(
            "SELECT (SELECT count(*) FROM risk_models), (SELECT count(*) FROM risk_scores),"
            " (SELECT count(*) FROM risk_flags), (SELECT count(*) FROM risk_flag_events)")).one())


def test_nothing_is_trained_scored_or_flagged_while_a_source_catches_up_then_it_runs(history):
    engine, _truth, now = history
    # A day on, the model in service is due for retraining; the carrier stream is reading a
    # backlog 20 days behind: the job waits.
    later = now + timedelta(days=1, minutes=1)
    record_carrier_run(engine, now=later, behind=timedelta(days=20))
    before = _counts(engine)
    cadence = job.Cadence(every_seconds=3600)
    waited = job.run(engine, policy=POLICY, now=later, cadence=cadence)
    assert waited.waiting_for == ("carrier",)
    assert cadence.last is None   # a run that waited did no work: the next one tries again
    assert (waited.trained, waited.scored, waited.invoices) == (None, None, None)
    assert _counts(engine) == before

    record_carrier_run(engine, now=later + timedelta(seconds=1), behind=timedelta(0))
    ran = job.run(engine, policy=POLICY, now=later + timedelta(seconds=2), cadence=cadence)
    assert ran.waiting_for == ()
    assert ran.trained is not None and ran.scored is not None and ran.scored.scored > 0
    assert _counts(engine)[:2] > before[:2]  # a new model version and new scores
    # Within the hour the cadence asks for, the minute's run does nothing.
    after = _counts(engine)
    idle = job.run(engine, policy=POLICY, now=later + timedelta(seconds=3), cadence=cadence)
    assert (idle.trained, idle.scored, idle.invoices, idle.waiting_for) == (None, None, None, ())
    assert _counts(engine) == after
