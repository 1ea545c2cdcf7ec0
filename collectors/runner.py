"""One run of one stream: bookmark → fetch (with overlap) → map → ingest + dead letters +
bookmark in ONE transaction per page.

Why per page: a backlog of a million records is never held in memory, and a crash loses at
most the page in flight (its transaction rolls back; the bookmark still points before it).
Why the bookmark is the source's own change time (the replication key), capped at the poll's
start, and re-read with an inclusive overlap: ids and our own ingest time follow our order, not
the source's commit order (STYLE habit 12). Re-reading is safe because the store's writes are
idempotent on (source, source_event_id) — at-least-once delivery, exactly-once effect.
While a stream reads a backlog its pages queue the orders they touch instead of projecting them
(ingest's defer_projection; collectors/projector.py drains the queue), and the page that
reaches the source's present waits for the queue to be drained first: "caught up" in
collector_runs always means every fact read is in the projections, which the rules rely on.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from typing import Any, Callable

import orjson
from sqlalchemy.engine import Engine

from collectors.conflicts import retry_on_conflict
from collectors.http import FatalSourceError, SourceError
from collectors.locks import try_lock
from collectors.pipeline import read_ahead
from collectors.projector import drain
from collectors.stream import SkipRecord, Stream
from tower import clock
from tower.milestones import parse_time
from tower.store import bookmarks, collector_runs, dead_letters
from tower.store.collector_runs import RunCounts
from tower.store.dead_letters import DeadLetter
from tower.store.errors import RetryableStoreError
from tower.store.ingest import ingest, settle_parked
from tower.store.milestone import Milestone

log = logging.getLogger(__name__)
HEAD_BYTES = 2000  # what a dead letter keeps of a record too large to keep whole


@dataclass
class RunResult:
    source: str
    stream: str
    status: str                 # ok | failed | fatal | skipped (another process holds the stream)
    counts: RunCounts = field(default_factory=RunCounts)
    error: str | None = None
    pages: int = 0
    run_id: int | None = None

    @property
    def records(self) -> int:
        return self.counts.records_fetched


@dataclass
class _Mapped:
    milestones: list[Milestone] = field(default_factory=list)
    letters: list[DeadLetter] = field(default_factory=list)
    origin: dict[int, tuple[str, Any]] = field(default_factory=dict)  # id(milestone) → (record key, record)
    good_keys: set[str] = field(default_factory=set)
    newest: datetime | None = None


def map_page(stream: Stream, records: list[Any], *, now: datetime | None = None) -> _Mapped:
    """Map a page: milestones for the good records, dead letters (with reasons) for the bad.
    `now` (tower's clock) bounds the change times believed: see Stream.max_future."""
    out = _Mapped()
    for record in records:
        key = stream.record_key(record)
        refused = refuse_record(stream, record, now=now)
        if refused is not None:
            reason, kept = refused
            out.letters.append(DeadLetter(stream.source, stream.name, key, kept, reason))
            continue
        try:
            when = stream.record_time(record)
            # Read is read, good or bad: a bad record is kept in dead letters, so the bookmark
            # may pass it (otherwise a page of bad records would be re-read on every poll).
            out.newest = when if out.newest is None or when > out.newest else out.newest
        except SkipRecord:
            pass  # no usable change time: it cannot move the bookmark
        try:
            _, milestones = stream.map(record)
        except SkipRecord as exc:
            out.letters.append(DeadLetter(stream.source, stream.name, key, record, exc.reason))
            continue
        except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
            # A shape the mapping did not foresee: keep the record and say so, never crash the run.
            out.letters.append(DeadLetter(stream.source, stream.name, key, record,
                                          f"mapping failed: {type(exc).__name__}: {exc}"))
            continue
        out.good_keys.add(key)
        for milestone in milestones:
            out.milestones.append(milestone)
            out.origin[id(milestone)] = (key, record)
    return out


def refuse_record(stream: Stream, record: Any, *, now: datetime | None) -> tuple[str, Any] | None:
    """(reason, payload to keep) for a record that must not be mapped at all — larger than the
    stream's cap (kept cut short) or changed too far in the future — else None."""
    size = len(orjson.dumps(record, default=str))
    if size > stream.max_record_bytes:
        text = orjson.dumps(record, default=str)[:HEAD_BYTES].decode("utf-8", "replace")
        return (f"record of {size:,} bytes is larger than the cap of {stream.max_record_bytes:,} bytes; "
                f"kept cut to its first {HEAD_BYTES:,}", {"cut": True, "bytes": size, "head": text})
    if now is not None:
        try:
            when = stream.record_time(record)
        except SkipRecord:
            return None  # the mapping says what is wrong with it
        if when > now + stream.max_future:
            ahead = when - now
            return (f"{stream.replication_key} {when.isoformat()} is {ahead.days} days "
                    f"{ahead.seconds // 3600} h in the future (the source's clock or data is wrong); "
                    "not stored, so the bookmark and the data lag do not jump ahead", record)
    return None


def write_page(conn: Any, stream: Stream, mapped: _Mapped, *, now: datetime,
               defer_projection: bool = False) -> tuple[int, int]:
    """Ingest the mapped milestones (their projections queued, `defer_projection`) and record
    dead letters (store rejections included), in the caller's transaction. Returns (milestones
    written, dead letters new or refreshed)."""
    result = ingest(conn=conn, milestones=mapped.milestones, defer_projection=defer_projection)
    letters = list(mapped.letters)
    rejected_keys: set[str] = set()
    for rejected in result.rejected:
        key, record = mapped.origin.get(id(rejected.record), (None, None))
        if key is None or key in rejected_keys:
            continue
        rejected_keys.add(key)
        letters.append(DeadLetter(stream.source, stream.name, key, record,
                                  f"rejected by the store: {rejected.reason}"))
    dead_letters.record(conn=conn, letters=letters, now=now)
    good = sorted(mapped.good_keys - rejected_keys)
    dead_letters.resolve_seen(conn=conn, source=stream.source, stream=stream.name, keys=good, now=now)
    if stream.replication_key in stream.natural_key:
        dead_letters.supersede(conn=conn, source=stream.source, stream=stream.name, keys=good, now=now)
    return result.inserted + result.parked, len(letters)


def _since(value: dict[str, Any] | None, stream: Stream) -> datetime | None:
    if not value or not value.get("since"):
        return None
    return parse_time(value["since"], "bookmark") - stream.overlap


def run_stream(engine: Engine, stream: Stream, *, now: Callable[[], datetime] = clock.now,
               stop: threading.Event | None = None, max_pages: int | None = None) -> RunResult:
    """Run one stream once under its lock (see collectors.locks). Never raises for a source
    error: the status and error text land in collector_runs and in the result."""
    with try_lock(engine, stream.key) as held:
        if not held:
            return RunResult(stream.source, stream.name, "skipped",
                             error="another collector process is running this stream")
        return _run_locked(engine, stream, now=now, stop=stop, max_pages=max_pages)


def _run_locked(engine: Engine, stream: Stream, *, now: Callable[[], datetime],
                stop: threading.Event | None, max_pages: int | None) -> RunResult:
    poll_start = now()
    with engine.begin() as conn:
        bookmark = bookmarks.get(conn=conn, source=stream.source, stream=stream.name)
        run_id = collector_runs.start(conn=conn, source=stream.source, stream=stream.name,
                                      started_at=poll_start)
        # We hold the stream's lock, so any other 'running' row was left by a dead process.
        collector_runs.mark_interrupted(conn=conn, source=stream.source, stream=stream.name,
                                        now=poll_start, keep_run_id=run_id)
        last_newest = collector_runs.newest_source_at(conn=conn, source=stream.source, stream=stream.name)
    result = RunResult(stream.source, stream.name, "ok", run_id=run_id)
    counts = result.counts
    counts.newest_source_at = last_newest
    mark = parse_time(bookmark["since"], "bookmark") if bookmark and bookmark.get("since") else None
    deferred = False   # pages of this run whose projections wait in the queue
    try:
        # With max_pages (tests stopping after N pages) every page is its own transaction.
        groups = read_ahead(stream.fetch(_since(bookmark, stream)),
                            lambda page: (page, map_page(stream, page, now=now())), stop=stop,
                            group=1 if max_pages else stream.pages_per_commit)
        for group in groups:
            last_page, mapped = group[-1][0], merge_pages([m for _, m in group])
            fetched = sum(len(page) for page, _ in group)
            page_now = now()
            backlog = not reached_present(stream, last_page, mapped.newest, page_now)
            if deferred and not backlog:
                drain(engine)   # before this page says "caught up": see the module docstring
                deferred = False
            mark = retry_on_conflict(
                partial(_commit_page, engine, stream, mapped, last_page, fetched, run_id, counts,
                        mark, poll_start, page_now, defer_projection=backlog),
                what=f"{stream.key}: page")
            result.pages += len(group)
            deferred = deferred or backlog
            if (stop is not None and stop.is_set()) or (max_pages and result.pages >= max_pages):
                groups.close()  # stop reading ahead
                break  # the page is committed; the next run resumes from the bookmark
    except FatalSourceError as exc:
        result.status, result.error = "fatal", str(exc)
    except SourceError as exc:
        result.status, result.error = "failed", str(exc)
    except Exception as exc:  # a bug or a database error: record it, then let the caller see it
        result.status, result.error = "failed", f"{type(exc).__name__}: {exc}"
        _finish(engine, result, now())
        raise
    if deferred:   # the run stopped or failed before reaching the present
        _drain_quietly(engine, stream)
    _settle_parked(engine, stream)
    finished = now()
    if result.status == "ok" and not result.pages:
        # Nothing changed since the bookmark: everything up to this poll is known (quiet is up).
        counts.data_through, counts.caught_up, counts.observed_at = poll_start, True, finished
    _finish(engine, result, finished)
    if result.status != "ok":
        log.warning("%s: %s: %s", stream.key, result.status, result.error)
    return result


def _drain_quietly(engine: Engine, stream: Stream) -> None:
    """Drain at the end of a run that stopped in a backlog; on failure the rows stay queued for
    the collector's projector (collectors.projector), and the run is still recorded."""
    try:
        drain(engine)
    except Exception as exc:
        log.warning("%s: queued projections left for the projector: %s: %s", stream.key, type(exc).__name__, exc)


def _settle_parked(engine: Engine, stream: Stream) -> None:
    """Link events parked by a concurrent batch that was learning their reference (see
    `settle_parked`): at a quiet time no later batch would, and the order would lack them."""
    try:
        with engine.begin() as conn:
            settled = settle_parked(conn=conn)
    except RetryableStoreError as exc:
        # A concurrent batch holds the same orders: it links them itself, or the next run does.
        log.info("%s: parked events left for the next run (SQLSTATE %s)", stream.key, exc.sqlstate)
        return
    if settled.unparked:
        log.info("%s: %d parked events linked after the run", stream.key, settled.unparked)


def merge_pages(pages: list[_Mapped]) -> _Mapped:
    """The mapped pages of one transaction as one (origin keys are object ids: no clash)."""
    if len(pages) == 1:
        return pages[0]
    out = _Mapped()
    for page in pages:
        out.milestones.extend(page.milestones)
        out.letters.extend(page.letters)
        out.origin.update(page.origin)
        out.good_keys |= page.good_keys
        if page.newest is not None and (out.newest is None or page.newest > out.newest):
            out.newest = page.newest
    return out


def _commit_page(engine: Engine, stream: Stream, mapped: _Mapped, last_page: list[Any], fetched: int,
                 run_id: int, counts: RunCounts, mark: datetime | None, poll_start: datetime,
                 page_now: datetime, *, defer_projection: bool) -> datetime | None:
    """One transaction for one or more pages (`mapped`, `fetched` records; `last_page` says
    whether the source has more): milestones, dead letters, the new bookmark and the run's
    counters."""
    with engine.begin() as conn:
        written, letters = write_page(conn, stream, mapped, now=page_now, defer_projection=defer_projection)
        newest = counts.newest_source_at
        if mapped.newest is not None:
            # Never past the poll's start: a change stamped later may still be in flight.
            candidate = min(mapped.newest, poll_start)
            mark = candidate if mark is None or candidate > mark else mark
            newest = max(filter(None, (newest, mapped.newest)))
        if mark is not None:
            bookmarks.put(conn=conn, source=stream.source, stream=stream.name,
                          value={"since": mark.isoformat()}, now=page_now)
        page_counts = RunCounts(counts.records_fetched + fetched, counts.milestones_written + written,
                                counts.dead_letters + letters, newest,
                                **event_time(stream, last_page, mapped.newest, newest, page_now))
        collector_runs.progress(conn=conn, run_id=run_id, counts=page_counts)
    # Only after the commit: a retried page must not count twice.
    counts.__dict__.update(page_counts.__dict__)
    return mark


def event_time(stream: Stream, page: list[Any], page_newest: datetime | None,
               newest: datetime | None, observed_at: datetime) -> dict[str, Any]:
    """What one page says about the stream's data lag in event time: the source's present
    (`as_of` of the page, else tower's clock), whether the stream has caught up (the source has
    nothing more right now, or the page ends within the overlap of its present) and the instant
    up to which everything has been read (the present once caught up, else the newest change
    time read)."""
    as_of = getattr(page, "as_of", None)
    present = as_of or observed_at
    caught_up = reached_present(stream, page, page_newest, observed_at)
    through = present if caught_up else (newest or page_newest)
    return {"source_as_of": as_of, "data_through": through, "caught_up": caught_up,
            "observed_at": observed_at}


def reached_present(stream: Stream, page: list[Any], page_newest: datetime | None,
                    observed_at: datetime) -> bool:
    """Whether a page ends the backlog: the source has nothing more right now, or the page
    ends within the overlap of the source's present (`as_of` of the page, else tower's clock)."""
    present = getattr(page, "as_of", None) or observed_at
    has_more = getattr(page, "has_more", len(page) >= stream.page_size)
    return (not has_more) or (page_newest is not None and present - page_newest <= stream.overlap)


def _finish(engine: Engine, result: RunResult, finished_at: datetime) -> None:
    assert result.run_id is not None, "a run is started before it is finished"
    with engine.begin() as conn:
        collector_runs.finish(conn=conn, run_id=result.run_id, status=result.status,
                              counts=result.counts, finished_at=finished_at, error=result.error)


@dataclass
class ReplayResult:
    replayed: int = 0
    failed: int = 0
    reasons: list[str] = field(default_factory=list)


def replay_dead_letters(engine: Engine, resolve: Callable[[str, str], Stream | None], *,
                        ids: list[int] | None = None, source: str | None = None,
                        now: Callable[[], datetime] = clock.now, batch: int = 200) -> ReplayResult:
    """Map stored dead-letter payloads again with the current mapping. A letter that now maps and
    is accepted by the store is ingested and marked replayed (same transaction); one that still
    fails keeps its row, with retry_count + 1, last_seen_at and the newest reason.
    `resolve(source, stream)` gives the stream whose mapping applies."""
    out = ReplayResult()
    after = 0
    while True:
        with engine.begin() as conn:
            letters = dead_letters.take_for_replay(conn=conn, ids=ids, source=source, after=after, limit=batch)
            if not letters:
                return out
            stamp = now()
            for letter in letters:
                after = letter["dead_letter_id"]
                stream = resolve(letter["source"], letter["stream"])
                reason = _replay_one(conn, stream, letter)
                if reason is None:
                    dead_letters.mark_replayed(conn=conn, dead_letter_id=after, now=stamp)
                    # A stream that keeps its own record of what it read (EDI files) updates it
                    # in the same transaction, so the record never contradicts the letters.
                    replayed = getattr(stream, "replayed", None)
                    if callable(replayed):
                        replayed(conn=conn, payload=letter["payload"], now=stamp)
                    out.replayed += 1
                else:
                    dead_letters.bump_retry(conn=conn, dead_letter_id=after, reason=reason, now=stamp)
                    out.failed += 1
                    out.reasons.append(f"#{after} {letter['source']}/{letter['stream']}: {reason}")


def replay_requested(engine: Engine, resolve: Callable[[str, str], Stream | None], *,
                     now: Callable[[], datetime] = clock.now, limit: int = 500) -> ReplayResult:
    """Replay the dead letters marked for replay (on /integrations); each replay clears its
    mark, whether the letter now maps or fails again. The collector process runs this job."""
    with engine.connect() as conn:
        ids = dead_letters.requested_replays(conn=conn, limit=limit)
    if not ids:
        return ReplayResult()
    return replay_dead_letters(engine, resolve, ids=ids, now=now)


def _replay_one(conn: Any, stream: Stream | None, letter: dict[str, Any]) -> str | None:
    if stream is None:
        return f"no stream named {letter['source']}/{letter['stream']} any more"
    try:
        _, milestones = stream.map(letter["payload"])
    except SkipRecord as exc:
        return exc.reason
    except (TypeError, ValueError, KeyError, AttributeError, IndexError) as exc:
        return f"mapping failed: {type(exc).__name__}: {exc}"
    result = ingest(conn=conn, milestones=milestones)
    if result.rejected:
        return f"rejected by the store: {result.rejected[0].reason}"
    return None
