"""X12 214 (transportation carrier shipment status) -> carrier milestones.

B10 names the shipment (01 the carrier's reference, the tracking number tower knows from the
ship confirm; 02 the shipper's shipment id; 03 the SCAC); each AT7 is one status with its date,
time and time code, followed by its MS1 location. Estimates (AG "estimated delivery") happen when
the partner sent them and carry the estimated time, so an estimate listed before the pickup
still lands after it; milestones come out in time order, never in the file's order.
"""

from __future__ import annotations

from collectors.edi.mapping.common import Context, MappingError, code, need, need_segment, utc, x12_time
from tower.milestones import rank
from tower.store.milestone import Milestone, Ref


def map_214(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    b10 = need_segment(tx, "B10", "shipment identification")
    tracking = need(b10, 1, "carrier's reference number")
    shipment = b10.el(2).strip() or None
    references = {seg.el(2).strip(): seg.el(1).strip() for seg in tx.all("L11") if seg.el(1).strip()}
    parties = {seg.el(1).strip(): seg.el(2).strip() for seg in tx.all("N1") if seg.el(2).strip()}
    estimates = set(ctx.codes.get("at7_estimates") or ())
    out: list[Milestone] = []
    last: Milestone | None = None
    for seg in tx.body:
        if seg.tag == "MS1" and last is not None:
            location = {k: v for k, v in (("city", seg.el(1)), ("state", seg.el(2)), ("country", seg.el(3))) if v}
            if location:
                last.attrs["location"] = location
            continue
        if seg.tag != "AT7":
            continue
        status = seg.el(1).strip()
        if not status:
            if not seg.el(3).strip():
                raise MappingError("expected AT701 (shipment status) or AT703 (appointment status), found neither",
                                   seg, 1, code="missing_element", element_code="1")
            last = None   # an appointment status: no milestone
            continue
        kind = code(ctx, "at7_status", status, seg, 1)
        at = x12_time(seg, 5, 6, 7, ctx)
        if kind is None:
            last = None
            continue
        attrs = {**ctx.base_attrs(), "tracking_no": tracking, "carrier": b10.el(3).strip() or None,
                 "code": status, "reason_code": seg.el(2).strip() or None, "references": references or None,
                 "consignee": parties.get("CN")}
        occurred = at
        if status in estimates:
            occurred = ctx.sent_at()
            attrs["estimated_delivery_at"] = utc(at)
        last = Milestone(source=ctx.source, source_event_id=ctx.event_id(tracking, status, utc(at)), kind=kind,
                         occurred_at=utc(occurred), ref=Ref("carrier", "tracking_no", tracking),
                         shipment_id=shipment, attrs={k: v for k, v in attrs.items() if v is not None})
        out.append(last)
    out.sort(key=lambda m: (m.occurred_at, rank(m.kind)))
    return out
