"""/api/v1/exceptions: the worklist with the page's filters, one exception with its history,
and the page's actions through tower.data.exceptions.act (audited with the token's user)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from tower import running
from tower.api import convert
from tower.api.framework import Call, Strict, api
from tower.api.problems import Problem
from tower.data import exceptions as data
from tower.data.access import reading, writing

MAX_PAGE = 200
MAX_OFFSET = 5000  # the worklist is read from the top on every page; deeper is a CSV's job


class ListQuery(Strict):
    kind: str | None = Field(default=None, description="comma-separated kinds")
    severity: str | None = Field(default=None, description="comma-separated severities")
    team: str | None = Field(default=None, description="comma-separated team ids")
    assignee: str | None = Field(default=None, description="comma-separated; '(unassigned)' for nobody")
    warehouse: str | None = None
    region: str | None = None
    status: str | None = None
    sla: str | None = Field(default=None, description="on_track, at_risk, breached, none (comma-separated)")
    order: str | None = Field(default=None, description="comma-separated order ids")
    id: str | None = Field(default=None, description="comma-separated exception ids")
    min_age: float | None = Field(default=None, ge=0, le=24 * 365 * 10, description="hours")
    max_age: float | None = Field(default=None, ge=0, le=24 * 365 * 10, description="hours")
    limit: int = Field(default=50, ge=1, le=MAX_PAGE)
    cursor: str | None = Field(default=None, max_length=200)


class ExceptionOut(BaseModel):
    exception_id: int
    order_id: str | None = None
    kind: str
    subject: str | None = None
    severity: str | None = None
    status: str
    team_id: str | None = None
    team_name: str | None = None
    assignee: str | None = None
    title: str | None = None
    value_at_risk: float | None = None
    priority: float | None = None
    opened_at: datetime | None = None
    due_at: datetime | None = None
    escalation_tier: int | None = None
    snoozed_until: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    resolution: str | None = None
    rule: str | None = None
    warehouse: str | None = None
    region: str | None = None
    customer_name: str | None = None
    order_stage: str | None = None
    condition_since: datetime | None = Field(
        default=None, description="when the condition began, as the facts tell it (opened_at is when tower raised it)")
    age_hours: float | None = Field(default=None, description="hours since condition_since, else since opened_at")
    sla_state: str | None = None


class ExceptionPage(BaseModel):
    items: list[ExceptionOut]
    next_cursor: str | None = Field(description="pass as ?cursor= for the next page; null on the last")
    total: int = Field(description="how many open exceptions match the filters")


class HistoryEntry(BaseModel):
    action: str
    actor: str | None
    at: datetime | None
    from_status: str | None = None
    to_status: str | None = None
    reason: str | None = None
    comment: str | None = None


class ExceptionDetail(BaseModel):
    exception: ExceptionOut
    history: list[HistoryEntry]


class ActionIn(Strict):
    exception_ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["acknowledge", "assign", "comment", "snooze", "resolve", "reopen"]
    assignee: str | None = Field(default=None, max_length=64, description="assign: a user name")
    comment: str | None = Field(default=None, max_length=2000)
    reason: str | None = Field(default=None, max_length=64, description="resolve: one of the reason codes")
    snooze_hours: float | None = Field(default=None, gt=0, le=24 * 30, description="snooze: for how long")


class ActionOut(BaseModel):
    action: str
    requested: int
    changed: int = Field(description="how many were in a state that allows the action")


def models(frame) -> list[ExceptionOut]:
    names = ExceptionOut.model_fields
    return [ExceptionOut.model_validate({k: v for k, v in r.items() if k in names}) for r in convert.records(frame)]


@api.operation("GET", "/v1/exceptions", summary="Open exceptions", tag="exceptions", scope="exceptions:read",
               query=ListQuery, response=ExceptionPage)
def list_open(call: Call) -> ExceptionPage:
    """Unresolved exceptions under the worklist's filters, highest priority first. Pages are
    cut from the list as it stands when each page is read; follow /v1/changes to see every
    change."""
    q: ListQuery = call.query
    filters = data.Filters.from_query(q.model_dump(exclude={"limit", "cursor"}, exclude_none=True))
    state = convert.decode_cursor(q.cursor, keys=("offset",))
    offset = int(state["offset"]) if state and isinstance(state["offset"], int) else 0
    if not 0 <= offset <= MAX_OFFSET:
        raise Problem(400, "Invalid cursor", "Pass back a next_cursor this API returned, unchanged.")
    at_risk = running.at_risk_share()
    with reading() as conn:
        frame = data.open_list(filters, conn=conn, now=call.now, at_risk=at_risk, scope=call.scope,
                               limit=offset + q.limit + 1)
        total = data.summary(filters, conn=conn, now=call.now, at_risk=at_risk, scope=call.scope).total
    page = frame.iloc[offset:offset + q.limit]
    more = len(frame) > offset + q.limit and offset + q.limit <= MAX_OFFSET
    return ExceptionPage(items=models(page), total=int(total),
                         next_cursor=convert.encode_cursor({"offset": offset + q.limit}) if more else None)


@api.operation("GET", "/v1/exceptions/<int:exception_id>", summary="One exception", tag="exceptions",
               scope="exceptions:read", response=ExceptionDetail, path_params={"exception_id": "the exception id"})
def get_one(call: Call, exception_id: int) -> ExceptionDetail:
    """One exception (open or resolved) and its audit history, newest first."""
    if exception_id > 2**62:
        raise Problem(404, "Not found", "There is no such exception you may see.")
    with reading() as conn:
        found = data.one(exception_id, conn=conn, scope=call.scope)
        if found is None:
            raise Problem(404, "Not found", f"There is no exception {exception_id} you may see.")
        hist = data.history([exception_id], conn=conn)
    names = ExceptionOut.model_fields
    fields = HistoryEntry.model_fields
    history = [HistoryEntry.model_validate({k: v for k, v in r.items() if k in fields})
               for r in convert.records(hist)]
    return ExceptionDetail(exception=ExceptionOut.model_validate(
        {k: v for k, v in convert.row(found).items() if k in names}), history=history)


@api.operation("POST", "/v1/exceptions/actions", summary="Act on exceptions", tag="exceptions",
               scope="exceptions:act", body=ActionIn, response=ActionOut)
def act(call: Call) -> ActionOut:
    """Acknowledge, assign, comment on, snooze, resolve or reopen exceptions, exactly as the
    exceptions page does: one transaction with its audit rows, the actor being the token's
    user. Ids outside the caller's warehouses are answered like unknown ones (404)."""
    body: ActionIn = call.body
    ids = sorted(set(body.exception_ids))
    if body.action == "resolve" and not body.reason:
        raise Problem(400, "Reason needed", f"Resolve needs a reason: {', '.join(data.REASON_CODES)}.")
    if body.action == "snooze" and body.snooze_hours is None:
        raise Problem(400, "Snooze needs a time", "Give snooze_hours.")
    try:
        with writing() as conn:
            allowed = data.permitted(ids, conn=conn, scope=call.scope)
            missing = sorted(set(ids) - set(allowed))
            if missing:
                raise Problem(404, "Not found", f"No exception you may see has id {', '.join(map(str, missing[:20]))}.")
            changed = data.act(conn=conn, exception_ids=allowed, action=body.action, actor=call.actor, now=call.now,
                               assignee=body.assignee if body.action == "assign" else None, comment=body.comment,
                               reason=body.reason if body.action == "resolve" else None,
                               snoozed_until=data.snooze_until(body.snooze_hours, now=call.now)
                               if body.action == "snooze" else None)
    except data.InvalidAction as exc:
        raise Problem(422, "Not done", str(exc)) from None
    return ActionOut(action=body.action, requested=len(ids), changed=changed)
