"""Pushed carrier events -> carrier milestones (pure).

EasyPost: an Event ("tracker.created" / "tracker.updated") whose `result` is a Tracker; every
tracking detail is one status with its time, so the whole history is mapped each time and
deduplicated by the store (the key is tracking code + time + status). The tracker's estimated
delivery date rides on its newest status. Events about other objects are accepted, with no
milestone. Generic: one tracking event in the carrier stream's record shape (event_id,
tracking_number, code, occurred_at, shipper_reference, location, estimated_delivery ...), mapped
by the carrier stream's own mapping, so a pushed event and the same event polled are one fact.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from collectors.carrier.streams import TrackingEvents
from collectors.stream import SkipRecord, need_text, need_time, opt_text, opt_time
from tower.intake import events
from tower.intake.signatures import kind
from tower.milestones import rank
from tower.store.milestone import Milestone, Ref

SOURCE = "carrier"


@lru_cache(maxsize=1)
def _codes() -> dict[str, Any]:
    return yaml.safe_load((Path(__file__).resolve().parent / "codes.yaml").read_text(encoding="utf-8"))


def event_id(provider: str, body: Any) -> str:
    """The provider's id for the event (the dedupe key); SkipRecord if there is none."""
    try:
        return events.event_id(provider, body)
    except events.InvalidEvent as exc:
        raise SkipRecord(exc.reason) from None


def map_event(provider: str, body: Any) -> list[Milestone]:
    if kind(provider) == "generic":
        return TrackingEvents(None).to_milestones(body)
    return _easypost(body)


def _easypost(body: Any) -> list[Milestone]:
    if not isinstance(body, dict):
        raise SkipRecord("the event is not a JSON object")
    description = opt_text(body, "description") or ""
    tracker = body.get("result")
    if not description.startswith("tracker.") or not isinstance(tracker, dict):
        return []    # an event about another object (batch, refund ...): nothing to map
    code = need_text(tracker, "tracking_code")
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list):
        raise SkipRecord("result.tracking_details must be a list")
    statuses, extra = _codes()["easypost_status"], _codes()["easypost_detail"]
    out: list[Milestone] = []
    for detail in details:
        if not isinstance(detail, dict):
            raise SkipRecord("each of result.tracking_details must be an object")
        status = need_text(detail, "status")
        if status not in statuses:
            raise SkipRecord(f"unknown EasyPost tracking status {status!r}")
        sub = opt_text(detail, "status_detail")
        kind_name = extra.get(sub) or statuses[status]
        if kind_name is None:
            continue
        at = need_time(detail, "datetime")
        found = detail.get("tracking_location")
        where: dict[str, Any] = found if isinstance(found, dict) else {}
        location = {k: where.get(k) for k in ("city", "state", "country", "zip") if where.get(k)}
        attrs = {"via": "webhook", "provider": "easypost", "tracking_no": code,
                 "carrier": opt_text(tracker, "carrier"), "code": status, "detail": sub,
                 "description": opt_text(detail, "message"), "location": location or None}
        out.append(Milestone(source=SOURCE, source_event_id=f"easypost:{code}:{at.isoformat()}:{status}:{sub or ''}",
                             kind=kind_name, occurred_at=at, ref=Ref("carrier", "tracking_no", code),
                             attrs={k: v for k, v in attrs.items() if v is not None}))
    out.sort(key=lambda m: (m.occurred_at, rank(m.kind)))
    estimate = opt_time(tracker, "est_delivery_date")
    if out and estimate is not None:
        out[-1].attrs["estimated_delivery_at"] = estimate.isoformat()
    return out
