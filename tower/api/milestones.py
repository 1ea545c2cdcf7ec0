"""POST /api/v1/milestones: another system pushes facts in tower's milestone shape."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from tower.api.framework import Call, api
from tower.api.problems import Problem
from tower.data import intake
from tower.data.access import writing
from tower.store.errors import StoreError

MAX_BATCH = 1000


class RefIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system: str = Field(max_length=64)
    kind: str = Field(max_length=64)
    value: str = Field(max_length=200)


class MilestoneIn(BaseModel):
    """One fact. The store checks the rest (kinds, times, quantities) and answers per record."""

    model_config = ConfigDict(extra="forbid")
    source: str = Field(max_length=64)
    source_event_id: str = Field(max_length=200)
    kind: str = Field(max_length=64)
    occurred_at: str = Field(max_length=64, description="ISO 8601 with a zone")
    order_id: str | None = Field(default=None, max_length=200)
    ref: RefIn | None = None
    line_no: int | None = Field(default=None, ge=0, le=100_000)
    shipment_id: str | None = Field(default=None, max_length=200)
    invoice_id: str | None = Field(default=None, max_length=200)
    payment_id: str | None = Field(default=None, max_length=200)
    return_id: str | None = Field(default=None, max_length=200)
    attrs: dict[str, Any] = Field(default_factory=dict)


class RejectedOut(BaseModel):
    index: int = Field(description="the record's position in the batch (0-based)")
    reason: str


class PushOut(BaseModel):
    inserted: int = Field(description="new facts stored")
    duplicates: int = Field(description="already stored (same source and source_event_id): counted once")
    parked: int = Field(description="stored, waiting for a reference to another system's key to resolve")
    rejected: list[RejectedOut] = Field(description="refused records, also kept as dead letters (source 'api')")


@api.operation("POST", "/v1/milestones", summary="Push milestones", tag="milestones", scope="milestones:write",
               body=list[MilestoneIn], response=PushOut)
def push(call: Call) -> PushOut:
    """A batch of up to 1000 milestones, idempotent by source + source_event_id: pushing the
    same batch twice stores it once. Refused records come back with a reason each and go to
    the dead letters; the batch is one transaction, so nothing is half-written."""
    batch: list[MilestoneIn] = call.body
    if not 1 <= len(batch) <= MAX_BATCH:
        raise Problem(400, "Batch size", f"Send between 1 and {MAX_BATCH} milestones.")
    if call.scope.limited:
        raise Problem(403, "Scope too narrow", "Pushing facts needs a user who sees every warehouse.")
    records = []
    for m in batch:
        record = m.model_dump(exclude_none=True)
        if m.ref is not None:
            from tower.store.milestone import Ref

            record["ref"] = Ref(m.ref.system, m.ref.kind, m.ref.value)
        records.append(record)
    try:
        with writing() as conn:
            done = intake.push(conn=conn, records=records, by=call.actor, now=call.now)
    except StoreError as exc:
        raise Problem(503, "Not stored", f"Nothing was stored; try again ({str(exc)[:200]}).") from None
    return PushOut(inserted=done.inserted, duplicates=done.duplicates, parked=done.parked,
                   rejected=[RejectedOut(index=i, reason=r) for i, r in done.rejected])
