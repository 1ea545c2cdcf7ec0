"""GET /api/v1/changes: the orders and exceptions that changed after a cursor."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tower.api import convert
from tower.api.framework import Call, Strict, api
from tower.api.problems import Problem
from tower.data import changes
from tower.data.access import reading


class ChangesQuery(Strict):
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page; "
                               "omit to start from the first change tower kept")
    limit: int = Field(default=500, ge=1, le=5000)


class ChangeOut(BaseModel):
    entity: str = Field(description="order or exception")
    id: str = Field(description="the order id or the exception id")
    changed_at: datetime
    href: str = Field(description="where to read its current state")


class ChangePage(BaseModel):
    items: list[ChangeOut]
    next_cursor: str = Field(description="keep it, and pass it next time (also when items is empty)")


@api.operation("GET", "/v1/changes", summary="Change feed", tag="changes", scope="orders:read",
               query=ChangesQuery, response=ChangePage, errors=(410,))
def feed(call: Call) -> ChangePage:
    """Orders and exceptions that changed after the cursor, oldest first; at least once: keep
    the cursor of the last page you finished handling and nothing is missed, across restarts.
    An id may appear more than once (each change); read its current state from `href`.
    Exceptions appear only for tokens that may read exceptions. A cursor older than the feed
    tower keeps (TOWER_CHANGE_FEED_KEEP_DAYS) gets 410: resync and start without a cursor."""
    q: ChangesQuery = call.query
    state = convert.decode_cursor(q.cursor, keys=("txid", "id"))
    after = changes.START
    if state is not None:
        txid, change_id = state["txid"], state["id"]
        if not (isinstance(txid, int) and isinstance(change_id, int) and 0 <= txid < 2**63 and 0 <= change_id < 2**63):
            raise Problem(400, "Invalid cursor", "Pass back a next_cursor this API returned, unchanged.")
        after = (txid, change_id)
    with reading() as conn:
        try:
            found = changes.since(after, conn=conn, scope=call.scope, limit=q.limit)
        except changes.CursorExpired:
            raise Problem(410, "Cursor expired", "This cursor is older than the change feed tower keeps "
                          "(TOWER_CHANGE_FEED_KEEP_DAYS). Changes after it may be gone: resync — read the "
                          "current state of what you follow (GET /api/v1/orders, /api/v1/exceptions), then "
                          "start the feed again without a cursor.") from None
    with_exceptions = call.caller.may("exceptions:read")
    items = [ChangeOut(entity=c.entity, id=c.entity_id, changed_at=convert.value(c.changed_at),
                       href=f"/api/v1/orders/{c.entity_id}" if c.entity == "order" else f"/api/v1/exceptions/{c.entity_id}")
             for c in found if c.entity == "order" or with_exceptions]
    last = (found[-1].txid, found[-1].change_id) if found else after
    return ChangePage(items=items, next_cursor=convert.encode_cursor({"txid": last[0], "id": last[1]}))
