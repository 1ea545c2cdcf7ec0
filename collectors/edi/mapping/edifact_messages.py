"""EDIFACT IFTSTA, DESADV, INVOIC, ORDERS and ORDRSP -> milestones, and the checks every
message gets (composites no longer than the directory allows).

IFTSTA: each CNI consignment (02 = the tracking number) with STS statuses and their DTM+334
times. DESADV: BGM02 is the despatch (shipment) id, RFF+ON the order (per line if given), LIN
and QTY+12 the lines: `shipped`. INVOIC: BGM02 the invoice, RFF+ON the order, LIN/QTY+47/PRI
the lines, MOA 77/86/39/9 the total. ORDERS: BGM02 the order, LIN/QTY+21/PRI: `placed`.
ORDRSP: BGM03 accepted or not, RFF+ON the order: `atp_confirmed` or `cancelled`.
"""

from __future__ import annotations

from typing import Any

from collectors.edi.mapping.common import (
    Context,
    MappingError,
    as_json_number,
    code,
    edifact_time,
    need,
    need_segment,
    number,
    utc,
)
from collectors.edi.model import Segment, Transaction
from tower.milestones import rank
from tower.store.milestone import Milestone, Ref


def check_composites(ctx: Context) -> None:
    limits = ctx.codes.get("composite_components") or {}
    for seg in ctx.transaction.body:
        for position, most in (limits.get(seg.tag) or {}).items():
            value = seg.raw(int(position))
            if isinstance(value, list) and len(value) > int(most):
                raise MappingError(f"expected at most {most} components in {seg.tag} element {position}, found "
                                   f"{len(value)} (an unreleased component separator in the text?)", seg, int(position),
                                   code="too_many_components", element_code="39")


def _dtm(tx: Transaction, qualifiers: tuple[str, ...], ctx: Context) -> Any:
    for seg in tx.all("DTM"):
        if seg.comp(1, 1) in qualifiers:
            return edifact_time(seg, ctx)
    return None


def _rff(segments: list[Segment], qualifier: str) -> str | None:
    return next((s.comp(1, 2).strip() for s in segments if s.tag == "RFF" and s.comp(1, 1) == qualifier
                 and s.comp(1, 2).strip()), None)


def _lines(tx: Transaction, qty_qualifiers: tuple[str, ...]) -> list[dict[str, Any]]:
    """LIN groups: line number, item, quantity, price, and a line-level order reference."""
    lines: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    for seg in tx.body:
        if seg.tag == "LIN":
            n = seg.el(1).strip()
            current = {"line_no": int(n) if n.isdigit() else len(lines) + 1, "sku": seg.comp(3, 1).strip() or None}
            lines.append(current)
        elif current is None:
            continue
        elif seg.tag == "PIA" and not current.get("sku"):
            current["sku"] = seg.comp(2, 1).strip() or None
        elif seg.tag == "QTY" and seg.comp(1, 1) in qty_qualifiers and "qty" not in current:
            current["qty"] = as_json_number(number(_component(seg, 1, 2), 1, f"quantity {seg.comp(1, 1)}"))
        elif seg.tag == "PRI" and "unit_price" not in current and seg.comp(1, 2).strip():
            current["unit_price"] = as_json_number(number(_component(seg, 1, 2), 1, "price"))
        elif seg.tag == "RFF" and seg.comp(1, 1) == "ON" and seg.comp(1, 2).strip():
            current["_order"] = seg.comp(1, 2).strip()
        elif seg.tag == "UNS":
            current = None
    return [{k: v for k, v in line.items() if v is not None} for line in lines]


def _component(seg: Segment, i: int, j: int) -> Segment:
    """A one-element view of component j of element i, so `number` reports the segment."""
    return Segment(seg.tag, [seg.comp(i, j)], seg.file_index)


def _total(tx: Transaction) -> Any:
    amounts = {s.comp(1, 1): s for s in tx.all("MOA")}
    for qualifier in ("77", "86", "39", "9", "128"):
        if qualifier in amounts:
            return as_json_number(number(_component(amounts[qualifier], 1, 2), 1, f"amount {qualifier}"))
    return None


def _clean(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if v is not None}


def map_iftsta(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    check_composites(ctx)
    estimates = set(ctx.codes.get("sts_estimates") or ())
    out: list[Milestone] = []
    tracking: str | None = None
    pending: tuple[Segment, str] | None = None

    def emit(at_seg: Segment | None) -> None:
        nonlocal pending
        if pending is None:
            return
        sts, kind = pending
        pending = None
        if kind is None:
            return
        assert tracking is not None, "an STS before any CNI is refused below"
        status = sts.comp(2, 1)
        if at_seg is None and status not in estimates:
            raise MappingError(f"expected a DTM+334 (event time) after STS {status}", sts, code="missing_segment")
        at = edifact_time(at_seg, ctx) if at_seg is not None else ctx.sent_at()
        attrs = {**ctx.base_attrs(), "tracking_no": tracking, "code": status, "reason_code": sts.comp(3, 1) or None}
        occurred = at
        if status in estimates:
            occurred = ctx.sent_at()
            attrs["estimated_delivery_at"] = utc(at)
        out.append(Milestone(source=ctx.source, source_event_id=ctx.event_id(tracking, status, utc(at)), kind=kind,
                             occurred_at=utc(occurred), ref=Ref("carrier", "tracking_no", tracking), attrs=_clean(attrs)))

    for seg in tx.body:
        if seg.tag == "CNI":
            emit(None)
            tracking = need(seg, 2, "consignment reference (tracking number)")
        elif seg.tag == "STS":
            emit(None)
            if tracking is None:
                raise MappingError("expected a CNI (consignment) before STS", seg, code="missing_segment")
            status = seg.comp(2, 1).strip()
            if not status:
                raise MappingError("expected STS C555 status code", seg, 2, code="missing_element", element_code="12")
            pending = (seg, code(ctx, "sts_status", status, seg, 2))
        elif seg.tag == "DTM" and pending is not None and seg.comp(1, 1) in ("334", "40E", "17", "132"):
            emit(seg)
    emit(None)
    out.sort(key=lambda m: (m.occurred_at, rank(m.kind)))
    return out


def _by_order(lines: list[dict[str, Any]], header_order: str | None, seg: Segment) -> dict[str, list[dict[str, Any]]]:
    orders: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        order = line.pop("_order", None) or header_order
        if order is None:
            raise MappingError("expected an order reference (RFF+ON) for the message or its lines", seg, code="missing_segment")
        orders.setdefault(order, []).append(line)
    if not orders and header_order:
        orders[header_order] = []
    if not orders:
        raise MappingError("expected an order reference (RFF+ON)", seg, code="missing_segment")
    return orders


def map_desadv(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    check_composites(ctx)
    bgm = need_segment(tx, "BGM", "beginning of message")
    shipment = need(bgm, 2, "despatch advice number")
    shipped_at = _dtm(tx, ("11", "137"), ctx) or ctx.sent_at()
    header = [s for s in tx.body[: next((n for n, s in enumerate(tx.body) if s.tag in ("CPS", "LIN")), len(tx.body))]]
    tracking = _rff(header, "CN") or _rff(header, "BM") or _rff(header, "AAS")
    out = []
    orders = _by_order(_lines(tx, ("12",)), _rff(header, "ON"), bgm)
    for order, lines in orders.items():
        shipment_id = ctx.shipment_for(shipment, order, len(orders))
        attrs = {**ctx.base_attrs(), "shipment_id": shipment_id, "despatch_id": shipment, "tracking_no": tracking,
                 "packages": len(tx.all("CPS")) or None, "lines": lines}
        out.append(Milestone(source=ctx.source, source_event_id=ctx.event_id(shipment, order, "shipped"), kind="shipped",
                             occurred_at=utc(shipped_at), shipment_id=shipment_id, attrs=_clean(attrs),
                             **ctx.order(order)))
    return out


def map_invoic(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    check_composites(ctx)
    bgm = need_segment(tx, "BGM", "beginning of message")
    invoice_no = need(bgm, 2, "invoice number")
    issued = _dtm(tx, ("137", "3"), ctx) or ctx.sent_at()
    lines = _lines(tx, ("47",))
    header = tx.body[: next((n for n, s in enumerate(tx.body) if s.tag == "LIN"), len(tx.body))]
    order = _rff(header, "ON") or next((l.get("_order") for l in lines if l.get("_order")), None)
    if order is None:
        raise MappingError("expected the order reference (RFF+ON)", bgm, code="missing_segment")
    for line in lines:
        line.pop("_order", None)
    currency = next((s.comp(1, 2) for s in tx.all("CUX") if s.comp(1, 2)), None)
    attrs = {**ctx.base_attrs(), "invoice_id": invoice_no, "invoice_no": invoice_no, "amount": _total(tx),
             "currency": currency, "lines": lines}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(invoice_no, "issued"), kind="invoiced",
                      occurred_at=utc(issued), invoice_id=invoice_no, attrs=_clean(attrs), **ctx.order(order))]


def map_orders(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    check_composites(ctx)
    bgm = need_segment(tx, "BGM", "beginning of message")
    order = need(bgm, 2, "order number")
    placed = _dtm(tx, ("137", "4"), ctx) or ctx.sent_at()
    lines = [{k: v for k, v in l.items() if k != "_order"} for l in _lines(tx, ("21",))]
    buyer = next((s.comp(2, 1) for s in tx.all("NAD") if s.el(1) == "BY" and s.comp(2, 1)), None)
    currency = next((s.comp(1, 2) for s in tx.all("CUX") if s.comp(1, 2)), None)
    attrs = {**ctx.base_attrs(), "customer_po": order, "customer_id": buyer, "currency": currency, "lines": lines}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(order, "placed"), kind="placed",
                      occurred_at=utc(placed), order_id=order, attrs=_clean(attrs))]


def map_ordrsp(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    check_composites(ctx)
    bgm = need_segment(tx, "BGM", "beginning of message")
    function = bgm.el(3).strip() or "9"
    kind = code(ctx, "ordrsp_function", function, bgm, 3)
    order = _rff(tx.body, "ON")
    if order is None:
        raise MappingError("expected the order reference (RFF+ON)", bgm, code="missing_segment")
    answered = _dtm(tx, ("137",), ctx) or ctx.sent_at()
    attrs: dict[str, Any] = {**ctx.base_attrs(), "response_no": bgm.el(2).strip() or None, "message_function": function}
    if kind == "atp_confirmed":
        attrs["lines"] = [{k: v for k, v in l.items() if k in ("line_no", "qty")} for l in _lines(tx, ("21", "12", "113"))]
    else:
        attrs["reason"] = f"not accepted by the supplier (ORDRSP BGM03 {function})"
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(order, kind), kind=kind,
                      occurred_at=utc(answered), attrs=_clean(attrs), **ctx.order(order))]


def check_only(ctx: Context) -> list[Milestone]:
    """Messages tower reads but draws no milestone from (CONTRL, IFTMIN, RECADV ...)."""
    check_composites(ctx)
    return []
