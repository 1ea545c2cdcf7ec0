"""`ingest`: write a batch of milestones and bring the projections up to date, in the caller's
transaction (or, with `defer_projection`, queue them for tower.store.projection_queue).

The batch is validated in Python (bad records come back with a reason, the good ones still go
in), COPYed into a temporary staging table, and from there moved with set-based statements:
identifiers are learnt (and the events parked for them linked), references resolved (or the
event parked until they can be), the milestones inserted with ON CONFLICT DO NOTHING (idempotent), and the projections of every
touched order recomputed from the full set of its milestones (order-independent), then the
order is marked for the rules worker. Nothing here commits: a failure anywhere leaves nothing
half-written once the caller rolls back. Database failures come out as
`tower.store.errors.StoreError` (`RetryableStoreError` for a conflict with a concurrent batch).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.milestones import InvalidMilestone
from tower.store.errors import DRIVER_ERRORS, translate
from tower.store.milestone import Milestone, Rejected, normalise

_INGEST = sqlfiles.load_psycopg(__file__, "ingest.sql")
_PROJECT = sqlfiles.load_psycopg(__file__, "projections.sql")
# The order row after the lines and invoices its state is computed from; shipments after the
# order, whose warehouse a shipment without its own takes.
_PROJECTION_ORDER = ("defer_order_keys", "load_touched_milestones", "project_order_lines", "project_invoices",
                     "project_payments", "project_returns", "project_orders", "project_shipments")

_LOCK_MARK_PROJECT = ";\n".join(q.strip().rstrip(";") for q in (
    _INGEST["lock_touched"], _INGEST["widen_queued"], _INGEST["mark_dirty"],
    *(_PROJECT[name] for name in _PROJECTION_ORDER)))


@dataclass
class IngestResult:
    inserted: int = 0          # new milestones stored (including unparked ones)
    duplicates: int = 0        # already stored (or repeated in the batch): counted once
    parked: int = 0            # waiting for a reference to resolve
    unparked: int = 0          # earlier parked events linked by this batch
    rejected: list[Rejected] = field(default_factory=list)
    touched_orders: set[str] = field(default_factory=set)

    @property
    def accepted(self) -> int:
        return self.inserted + self.duplicates + self.parked


def validate(records: Iterable[Milestone | dict[str, Any]]) -> tuple[list[dict[str, Any]], list[Rejected]]:
    good: list[dict[str, Any]] = []
    bad: list[Rejected] = []
    for record in records:
        try:
            good.append(normalise(record))
        except InvalidMilestone as exc:
            bad.append(Rejected(record, str(exc)))
    return good, bad


def _stage_row(row: dict[str, Any]) -> tuple[Any, ...]:
    ref = row["ref"]
    return (row["order_id"], row["source"], row["source_event_id"], row["kind"], row["occurred_at"],
            row["line_no"], row["shipment_id"], row["invoice_id"], row["payment_id"], row["return_id"],
            row["attrs"], ref.system if ref else None, ref.kind if ref else None, ref.value if ref else None)


def ingest(*, conn: Connection, milestones: Iterable[Milestone | dict[str, Any]],
           defer_projection: bool = False) -> IngestResult:
    """Store a batch of milestones and update the projections (or queue the touched orders for
    them, `defer_projection`); see the module docstring."""
    good, rejected = validate(milestones)
    result = IngestResult(rejected=rejected)
    if not good:
        return result
    try:
        _write(raw(conn), good, result, defer_projection=defer_projection)
    except DRIVER_ERRORS as exc:
        raise translate(exc) from exc
    return result


def settle_parked(*, conn: Connection) -> IngestResult:
    """Link the parked events whose reference has become known, in the caller's transaction.

    Every batch links the parked events whose reference it taught, but an event parked by one
    batch while a concurrent batch was registering its reference is seen by neither. The
    collector runner calls this at the end of every run, so such an event waits at most until
    then. Cheap when there is nothing to link (one indexed lookup per parked event)."""
    result = IngestResult()
    try:
        pg = raw(conn)
        with pg.cursor() as cur:
            cur.execute(_INGEST["parked_resolvable"])
            row = cur.fetchone()
            if not (row and row[0]):
                return result
        _write(pg, [], result)
    except DRIVER_ERRORS as exc:
        raise translate(exc) from exc
    return result


def _write(pg, good: list[dict[str, Any]], result: IngestResult, *, defer_projection: bool = False) -> None:
    with pg.cursor() as cur:
        cur.execute(_INGEST["create_stage"])
        with cur.copy(_INGEST["copy_stage"]) as copy:
            for row in good:
                copy.write_row(_stage_row(row))
        cur.execute(_INGEST["analyze_stage"])
        cur.execute(_INGEST["register_identifiers"])
        if not good:  # settle_parked: every parked event whose reference is known by now
            cur.execute(_INGEST["learn_parked_refs"])
        cur.execute(_INGEST["unpark_learnt"])
        result.unparked = max(cur.rowcount, 0)
        cur.execute(_INGEST["resolve_refs"])
        cur.execute(_INGEST["park"])
        result.parked = int(cur.fetchone()[0])
        cur.execute(_INGEST["insert_milestones"])
        result.inserted = int(cur.fetchone()[0])
        # Every record of the batch (and every event unparked by it) was stored, parked, or
        # was already known: the rest are duplicates, counted once.
        result.duplicates = len(good) + result.unparked - result.inserted - result.parked
        if defer_projection:
            # The queue rows commit with the facts: a drain that sees a row sees its facts.
            cur.execute(_INGEST["queue_touched"])
        else:
            project_touched(cur)
        cur.execute(_INGEST["touched_orders"])
        result.touched_orders = {r[0] for r in cur.fetchall()}


def project_touched(cur) -> None:
    """Lock, mark dirty and project the orders in _touched (this session's scratch table).

    Concurrent batches touching the same orders take them in one (sorted) order, and mark them
    dirty before touching their projections, so neither another batch nor the rules worker
    (which holds dirty marks, then updates orders) can deadlock with us. One round trip for
    the statements without parameters (a page of a few hundred records spends more time in
    round trips than in these statements)."""
    cur.execute(_LOCK_MARK_PROJECT)
