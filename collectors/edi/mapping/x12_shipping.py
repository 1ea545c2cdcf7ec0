"""X12 856 (ship notice), 945 (warehouse shipping advice), 940 (warehouse shipping order).

856: BSN02 is the shipment id; the HL hierarchy (S shipment, O order, P pack, I item) groups
items under orders; PRF01 names the order, LIN the product, SN1 the quantity shipped. One
`shipped` milestone per order, with its lines. 945: W06 names the order (02) and shipment (04),
each W12 one shipped line. 940: W05 names the order the warehouse is told to ship: `released`.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from collectors.edi.mapping.common import (
    Context,
    MappingError,
    as_json_number,
    need,
    need_segment,
    number,
    utc,
    x12_time,
)
from collectors.edi.model import Segment
from tower.store.milestone import Milestone


def _product(seg: Segment, first: int) -> str | None:
    """The first product id of qualifier/id pairs starting at element `first`."""
    for i in range(first, len(seg.elements) + 1, 2):
        if seg.el(i + 1).strip():
            return seg.el(i + 1).strip()
    return None


def _line_no(value: str, fallback: int) -> int:
    value = value.strip()
    return int(value) if value.isdigit() else fallback


def _when(ctx: Context, dtm_qualifiers: tuple[str, ...]) -> Any:
    for seg in ctx.transaction.all("DTM"):
        if seg.el(1).strip() in dtm_qualifiers:
            return x12_time(seg, 2, 3, 4, ctx)
    return None


def map_856(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    bsn = need_segment(tx, "BSN", "beginning segment for ship notice")
    shipment = need(bsn, 2, "shipment identification")
    shipped_at = _when(ctx, ("011",)) or x12_time(bsn, 3, 4, None, ctx)
    levels: Counter[str] = Counter()
    seen_ids: set[str] = set()
    orders: dict[str, list[dict[str, Any]]] = {}
    current_order: str | None = None
    refs: dict[str, str] = {}
    carrier = None
    item: dict[str, Any] | None = None
    for seg in tx.body:
        if seg.tag == "HL":
            hl_id, parent, level = seg.el(1).strip(), seg.el(2).strip(), seg.el(3).strip()
            if not hl_id:
                raise MappingError("expected HL01 (hierarchical id)", seg, 1, code="missing_element", element_code="1")
            if parent and parent not in seen_ids:
                raise MappingError(f"expected HL02 to name an earlier HL, found {parent!r}", seg, 2,
                                   code="bad_hierarchy", element_code="7")
            if not level:
                raise MappingError("expected HL03 (level code S/O/T/P/I)", seg, 3, code="missing_element", element_code="1")
            seen_ids.add(hl_id)
            levels[level] += 1
            item = None
        elif seg.tag == "REF" and current_order is None:
            refs.setdefault(seg.el(1).strip(), seg.el(2).strip())
        elif seg.tag == "TD5" and carrier is None:
            carrier = seg.el(3).strip() or None
        elif seg.tag == "PRF":
            current_order = need(seg, 1, "purchase order number")
            orders.setdefault(current_order, [])
        elif seg.tag == "LIN":
            if current_order is None:
                raise MappingError("expected a PRF (the order) before the first LIN", seg, code="missing_segment")
            lines = orders[current_order]
            item = {"line_no": _line_no(seg.el(1), len(lines) + 1), "sku": _product(seg, 2)}
            lines.append(item)
        elif seg.tag == "SN1" and item is not None:
            item["qty"] = as_json_number(number(seg, 2, "number of units shipped"))
    if not orders:
        raise MappingError(f"expected at least one PRF (order) in ship notice {shipment}", None, code="missing_segment")
    tracking = refs.get("CN") or refs.get("BM")
    out = []
    for order, lines in orders.items():
        shipment_id = ctx.shipment_for(shipment, order, len(orders))
        attrs = {**ctx.base_attrs(), "shipment_id": shipment_id, "despatch_id": shipment, "carrier": carrier, "tracking_no": tracking,
                 "bill_of_lading": refs.get("BM"), "hl_counts": dict(sorted(levels.items())),
                 "packages": levels.get("P") or None, "lines": [{k: v for k, v in l.items() if v is not None} for l in lines]}
        out.append(Milestone(source=ctx.source, source_event_id=ctx.event_id(shipment, order, "shipped"),
                             kind="shipped", occurred_at=utc(shipped_at), shipment_id=shipment_id,
                             attrs={k: v for k, v in attrs.items() if v is not None}, **ctx.order(order)))
    return out


def map_945(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    w06 = need_segment(tx, "W06", "warehouse shipment identification")
    order = need(w06, 2, "depositor order number")
    shipment = w06.el(4).strip() or order
    shipped_at = x12_time(w06, 3, None, None, ctx)
    lines: list[dict[str, Any]] = []
    line_no = 0
    for seg in tx.body:
        if seg.tag == "LX":
            line_no = _line_no(seg.el(1), line_no + 1)
        elif seg.tag == "W12":
            qty = number(seg, 3, "number of units shipped", required=False)
            lines.append({k: v for k, v in {"line_no": line_no or len(lines) + 1, "status": seg.el(1).strip() or None,
                                            "qty": as_json_number(qty),
                                            "sku": seg.el(8).strip() or seg.el(6).strip() or None}.items() if v is not None})
    carrier = next((s.el(2).strip() for s in tx.all("W27") if s.el(2).strip()), None)
    tracking = next((s.el(2).strip() for s in tx.all("N9") if s.el(1).strip() in ("CN", "BM") and s.el(2).strip()), None)
    warehouse = next((s.el(2).strip() for s in tx.all("N1") if s.el(1).strip() == "WH"), None)
    attrs = {**ctx.base_attrs(), "shipment_id": shipment, "carrier": carrier, "tracking_no": tracking,
             "warehouse": warehouse, "lines": lines}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(order, shipment, "shipped"), kind="shipped",
                      occurred_at=utc(shipped_at), shipment_id=shipment,
                      attrs={k: v for k, v in attrs.items() if v is not None}, **ctx.order(order))]


def map_940(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    w05 = need_segment(tx, "W05", "shipping order identification")
    order = need(w05, 2, "depositor order number")
    warehouse = next((s.el(2).strip() for s in tx.all("N1") if s.el(1).strip() == "WH"), None)
    items = len(tx.all("W01"))
    attrs = {**ctx.base_attrs(), "warehouse": warehouse, "customer_po": w05.el(3).strip() or None, "line_count": items}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(order, "released"), kind="released",
                      occurred_at=utc(ctx.sent_at()), attrs={k: v for k, v in attrs.items() if v is not None},
                      **ctx.order(order))]
