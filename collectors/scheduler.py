"""The collector process: APScheduler in its own process, never inside a web worker.

One job per stream (`max_instances=1` so a stream never overlaps itself, `coalesce=True` so
missed runs collapse into one). Each stream runs under its Postgres advisory lock, so a second
collector process skips streams the first is running. A failing stream backs off (exponential,
capped) before it re-raises, so it cannot crash-loop; other streams keep their own schedule, so
a source that is down never stops the others. SIGTERM/SIGINT stop taking new runs, let the
current ones finish their page and exit.

The process also runs the tower's other periodic work: the rules worker (every few seconds),
the SLA sweep and the queue snapshot (every minute), the replay of dead letters marked on
/integrations (every few seconds), and the B2B intake: the EDI drop folders and the webhook
inbox (collectors/edi, collectors/carrier_webhooks), outbound notifications: routing the
outbox's exception events, sending due e-mails and webhooks, the daily team digests
(tower/notify), and the SLA-miss risk model (tower/risk/job.py: retrain on the policy's
schedule, score every open order). All imported explicitly: a missing one is
an ImportError at start-up, not a job that silently never runs.
"""

from __future__ import annotations

import concurrent.futures
import logging
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Sequence

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.engine import Engine

from collectors import projector, registry
from collectors.carrier_webhooks import worker as webhook_inbox
from collectors.edi import inbox as edi_inbox
from collectors.locks import try_lock
from collectors.runner import RunResult, replay_requested, run_stream
from collectors.stream import Stream
from tower import clock
from tower.config import IntakeSettings, NotifySettings
from tower.evaluation.sweep import run_sweep
from tower.evaluation.worker import run_once as evaluate_dirty_orders
from tower.kpis import job as derived_figures
from tower.notify import digest as notify_digest
from tower.notify import dispatch as notify_dispatch
from tower.process import refresh as flow_facts
from tower.risk import job as risk_model
from tower.rules.policy import Policy
from tower.store import change_feed

log = logging.getLogger(__name__)

WORKER_SECONDS = 3.0
SWEEP_SECONDS = 60.0
SNAPSHOT_SECONDS = 60.0
FLOW_SECONDS = 60.0
REPLAY_SECONDS = 5.0
DIGEST_SECONDS = 60.0
RISK_CHECK_SECONDS = 60.0   # the risk job works every score_minutes (tower.risk.job.Cadence)
RETENTION_SECONDS = 60.0
KEEP_CHANGES_DAYS = 30   # TOWER_CHANGE_FEED_KEEP_DAYS's default (tower/config.py)
MAX_BACKOFF = 300.0


class _QuietSkips(logging.Filter):
    """Drops APScheduler's warning that a job's run was skipped because the previous one is still
    running: that is what max_instances=1 with coalescing is for (a stream reading a backlog, a
    job draining one), and during a catch-up it was most of the collector's log."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances reached" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())


class StreamFailed(RuntimeError):
    """A stream run did not succeed (raised after the backoff, so APScheduler logs it)."""


@dataclass
class BackoffJob:
    """A job body that, after a failure, waits (exponential, capped) before it re-raises, so a
    broken stream or job cannot crash-loop; a stop request ends the wait at once."""

    name: str
    body: Callable[[], Any]
    base_seconds: float
    stop: threading.Event
    failures: int = 0

    def backoff_seconds(self) -> float:
        return min(MAX_BACKOFF, self.base_seconds * 2 ** min(self.failures, 10))

    def failed(self, error: str) -> StreamFailed:
        self.failures += 1
        wait = self.backoff_seconds()
        log.warning("%s failed (%d in a row); backing off %.0fs: %s", self.name, self.failures, wait, error)
        # Waiting inside the job (max_instances=1) holds back this job only.
        self.stop.wait(wait)
        return StreamFailed(f"{self.name}: {error}")

    def __call__(self) -> Any:
        if self.stop.is_set():
            return None
        try:
            value = self.body()
        except StreamFailed as exc:
            raise self.failed(str(exc)) from None
        except Exception as exc:  # a database error or a bug: the same backoff
            raise self.failed(f"{type(exc).__name__}: {exc}") from exc
        self.failures = 0
        return value


class StreamJob(BackoffJob):
    """The job body of one stream: a run that ends failed or fatal counts as a failure."""

    def __init__(self, engine: Engine, stream: Stream, stop: threading.Event) -> None:
        super().__init__(stream.key, self._run, stream.schedule_seconds, stop)
        self.engine, self.stream = engine, stream
        self.last: RunResult | None = None

    def _run(self) -> RunResult:
        result = run_stream(self.engine, self.stream, stop=self.stop)
        self.last = result
        if result.status not in ("ok", "skipped"):
            raise StreamFailed(f"{result.status}: {result.error}")
        return result


def _locked(engine: Engine, name: str, body: Callable[[], Any]) -> Callable[[], Any]:
    """Run `body` only in the one collector process that holds the lock `name` right now."""
    def job() -> Any:
        with try_lock(engine, name) as held:
            return body() if held else None
    return job


def housekeeping_jobs(engine: Engine, policy: Policy, intake: IntakeSettings,
                      notify: NotifySettings | None = None,
                      keep_changes_days: int = KEEP_CHANGES_DAYS) -> list[tuple[str, float, Callable[[], Any]]]:
    """(name, seconds, callable) for the rules worker, the sweep, the queue snapshot and the
    dead-letter replay, all under the policy the process started with, the B2B intake
    (EDI drop folders, webhook inbox) under its intake settings, and the notifications under
    `notify` (None: the defaults, where no channel is configured and events are only routed);
    the change feed keeps `keep_changes_days` days (TOWER_CHANGE_FEED_KEEP_DAYS)."""
    trading_partners = edi_inbox.partner_registry(intake)   # read once; ConfigError if malformed
    outbound = notify or NotifySettings()
    started = time.monotonic()

    def digests() -> int:
        # Not in the first minute: the collectors' first runs must have begun, so a store that
        # is still being read says "catching up" instead of looking empty to the digest.
        if time.monotonic() - started < DIGEST_SECONDS:
            return 0
        return notify_digest.make_due_digests(engine, policy=policy, settings=outbound, now=clock.now())

    def notifications() -> notify_dispatch.SendResult:
        # Route everything waiting, then send what is due; SKIP LOCKED lets processes share it.
        while notify_dispatch.route_pending(engine, policy=policy, settings=outbound, now=clock.now()):
            pass
        return notify_dispatch.send_due(engine, settings=outbound, now=clock.now())

    flow_wait = flow_facts.CatchUpWait()   # /flow is rebuilt once the sources have caught up
    risk_cadence = risk_model.Cadence(policy.risk_model.score_minutes * 60)   # checked every minute

    def snapshot() -> derived_figures.JobResult:
        # Drains every pending change (batch by batch) before the snapshot: a backfill is
        # reflected within a run or two, not a fixed slice per minute.
        return derived_figures.run(engine, policy=policy, now=clock.now)

    def prune_changes() -> int:
        now = clock.now()
        with engine.begin() as conn:
            return change_feed.prune(conn=conn, before=now - timedelta(days=keep_changes_days), now=now)

    def replay() -> int:
        return replay_requested(engine, lambda source, stream: registry.resolve_stream(
            source, stream, trading_partners=trading_partners)).replayed

    return [
        # SKIP LOCKED in the worker lets several processes share the work: no lock needed.
        ("rules-worker", WORKER_SECONDS, lambda: evaluate_dirty_orders(engine, policy=policy, now=clock.now())),
        ("rules-sweep", SWEEP_SECONDS, _locked(engine, "jobs/sweep", lambda: run_sweep(engine, policy=policy, now=clock.now()))),
        ("queue-snapshot", SNAPSHOT_SECONDS, _locked(engine, "jobs/snapshot", snapshot)),
        # The facts of /flow (process map, conformance) for the orders that changed.
        ("flow-facts", FLOW_SECONDS, _locked(engine, "jobs/flow", lambda: flow_facts.run(
            engine, policy=policy, wait=flow_wait, now=clock.now()))),
        # Replays asked for on /integrations; take_for_replay's SKIP LOCKED keeps two from overlapping.
        ("dead-letter-replay", REPLAY_SECONDS, replay),
        # Trains when the model in service is older than risk_model.retrain_hours, then scores,
        # then checks the invoices for discrepancies (tower/risk/invoices.py).
        ("risk-model", RISK_CHECK_SECONDS,
         _locked(engine, "jobs/risk", lambda: risk_model.run(engine, policy=policy, now=clock.now(),
                                                              cadence=risk_cadence))),
        edi_inbox.scheduled_job(engine, intake, trading_partners),
        webhook_inbox.scheduled_job(engine, intake, trading_partners),
        ("notifications", outbound.poll_seconds, notifications),
        ("digests", DIGEST_SECONDS, _locked(engine, "jobs/digests", digests)),
        # A cursor older than the kept feed gets 410 from the API (tower.data.changes.horizon).
        ("change-feed-retention", RETENTION_SECONDS, _locked(engine, "jobs/change-feed", prune_changes)),
    ]


HOUSEKEEPING_CONNECTIONS = 16  # the housekeeping jobs below, one connection each, and spare


def pool_size(streams: int) -> int:
    """Connections the collector process needs: every stream run holds two (its lock's and its
    page's, collectors.locks and collectors.runner), and during a catch-up all of them run at
    once beside the housekeeping jobs; a smaller pool makes runs wait for a connection and
    fail on the pool's timeout."""
    return 2 * streams + HOUSEKEEPING_CONNECTIONS


def build_scheduler(engine: Engine, streams: Sequence[Stream], stop: threading.Event, *,
                    policy: Policy | None, intake: IntakeSettings | None = None,
                    notify: NotifySettings | None = None,
                    keep_changes_days: int = KEEP_CHANGES_DAYS) -> BlockingScheduler:
    """The scheduler of the collector process; `policy` None: streams only (no housekeeping).
    Housekeeping needs the intake settings too (ValueError without them)."""
    if policy is not None and intake is None:
        raise ValueError("the housekeeping jobs need the intake settings (settings.intake)")
    extra = (housekeeping_jobs(engine, policy, intake, notify, keep_changes_days)
             if policy is not None and intake is not None else [])
    # The orders the streams' backlog pages queued for projection (collectors.projector).
    extra = [("projection-drain", projector.DRAIN_SECONDS, lambda: projector.drain(engine)), *extra]
    scheduler = BlockingScheduler(
        executors={"default": ThreadPoolExecutor(max_workers=len(streams) + len(extra) + 1)},
        job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        timezone="UTC",
    )
    for stream in streams:
        # First run now, so a fresh start catches up at once instead of after one interval.
        scheduler.add_job(StreamJob(engine, stream, stop), "interval", seconds=stream.schedule_seconds,
                          id=stream.key, name=stream.key, next_run_time=clock_now_real(),
                          max_instances=1, coalesce=True)
    for name, seconds, body in extra:
        scheduler.add_job(BackoffJob(name, body, seconds, stop), "interval", seconds=seconds, id=name, name=name,
                          next_run_time=clock_now_real(), max_instances=1, coalesce=True)
    return scheduler


def clock_now_real() -> datetime:
    """APScheduler schedules in real seconds, whatever speed the business clock runs at."""
    return datetime.now(timezone.utc)


def run_forever(engine: Engine, streams: Sequence[Stream], *, policy: Policy | None,
                intake: IntakeSettings | None = None, notify: NotifySettings | None = None,
                keep_changes_days: int = KEEP_CHANGES_DAYS) -> None:
    """Block until SIGTERM/SIGINT; then finish the current runs and return. With a `policy`
    (and the `intake` settings) the process also runs the housekeeping jobs; None: streams only."""
    stop = threading.Event()
    scheduler = build_scheduler(engine, streams, stop, policy=policy, intake=intake, notify=notify,
                                keep_changes_days=keep_changes_days)

    def on_signal(signum: int, _frame: Any) -> None:
        if stop.is_set():
            return
        log.info("signal %d: finishing the current runs, then exiting", signum)
        stop.set()
        # Shut down from another thread: the handler runs on the main thread, which may be
        # inside the scheduler holding its locks. shutdown(wait=True) lets in-flight runs
        # finish their page (they see `stop`), then wakes the main loop so start() returns.
        threading.Thread(target=scheduler.shutdown, kwargs={"wait": True}, name="shutdown").start()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("collecting %d streams: %s", len(streams), ", ".join(s.key for s in streams))
    scheduler.start()
    for thread in threading.enumerate():
        if thread.name == "shutdown":
            thread.join()
    log.info("collector stopped")


def run_once(engine: Engine, streams: Sequence[Stream], *, workers: int | None = None) -> list[RunResult]:
    """Run every stream once until it has caught up (for `tower collect --once`, tests and
    benches), `workers` at a time (None: all at once, as the scheduler runs them), and return
    the results in the order of `streams`. Streams of different sources may run in any order:
    a fact whose reference another stream has not delivered yet is parked, and linked when it
    arrives (tower.store.ingest)."""
    # As in the collector process, the queued projections are drained while the streams run.
    with projector.Projector(engine):
        if workers == 1 or len(streams) <= 1:
            return [run_stream(engine, stream) for stream in streams]
        with concurrent.futures.ThreadPoolExecutor(max_workers=workers or len(streams),
                                                   thread_name_prefix="collect-once") as pool:
            return list(pool.map(lambda stream: run_stream(engine, stream), streams))
