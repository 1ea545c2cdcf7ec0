"""X12 810 (invoice), 850 (purchase order), 855 (purchase order acknowledgment), and the checks
on a received 997 (which carries no milestone).

810: BIG names the invoice (02) and the order (04), IT1 the lines, TDS01 the total (two implied
decimals), CTT01 the number of lines (checked). 850: BEG03 is the order, PO1 its lines: `placed`.
855: BAK02 says accepted or rejected, BAK03 names the order: `atp_confirmed` or `cancelled`.
"""

from __future__ import annotations

from typing import Any

from collectors.edi.mapping.common import (
    Context,
    MappingError,
    as_json_number,
    code,
    need,
    need_segment,
    number,
    utc,
    x12_time,
)
from collectors.edi.mapping.x12_shipping import _line_no, _product
from collectors.edi.model import Segment
from tower.store.milestone import Milestone


def _priced_line(seg: Segment, n: int, qty_el: int = 2, price_el: int = 4) -> dict[str, Any]:
    line = {"line_no": _line_no(seg.el(1), n), "qty": as_json_number(number(seg, qty_el, "quantity")),
            "unit_price": as_json_number(number(seg, price_el, "unit price", required=False)),
            "sku": _product(seg, 6)}
    return {k: v for k, v in line.items() if v is not None}


def _count_check(ctx: Context, found: int, what: str) -> None:
    ctt = ctx.transaction.find("CTT")
    if ctt is not None and ctt.el(1).strip() and ctt.el(1).strip() != str(found):
        raise MappingError(f"expected CTT01 = {found} {what}, found {ctt.el(1)!r}", ctt, 1,
                           code="count_mismatch", element_code="7")


def map_810(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    big = need_segment(tx, "BIG", "beginning segment for invoice")
    invoice_no = need(big, 2, "invoice number")
    order = need(big, 4, "purchase order number")
    lines = [_priced_line(seg, n) for n, seg in enumerate(tx.all("IT1"), start=1)]
    _count_check(ctx, len(lines), "line items")
    tds = need_segment(tx, "TDS", "total monetary value summary")
    total = number(tds, 1, "total invoice amount", implied_decimals=2)
    currency = next((s.el(2).strip() for s in tx.all("CUR") if s.el(2).strip()), None)
    attrs = {**ctx.base_attrs(), "invoice_id": invoice_no, "invoice_no": invoice_no,
             "amount": as_json_number(total), "currency": currency, "lines": lines}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(invoice_no, "issued"), kind="invoiced",
                      occurred_at=utc(x12_time(big, 1, None, None, ctx)), invoice_id=invoice_no,
                      attrs={k: v for k, v in attrs.items() if v is not None}, **ctx.order(order))]


def map_850(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    beg = need_segment(tx, "BEG", "beginning segment for purchase order")
    po = need(beg, 3, "purchase order number")
    lines = [_priced_line(seg, n) for n, seg in enumerate(tx.all("PO1"), start=1)]
    buyer = next((s.el(2).strip() for s in tx.all("N1") if s.el(1).strip() == "BY"), None)
    currency = next((s.el(2).strip() for s in tx.all("CUR") if s.el(2).strip()), None)
    attrs = {**ctx.base_attrs(), "customer_po": po, "customer_name": buyer, "currency": currency, "lines": lines}
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(po, "placed"), kind="placed",
                      occurred_at=utc(x12_time(beg, 5, None, None, ctx)), order_id=po,
                      attrs={k: v for k, v in attrs.items() if v is not None})]


def map_855(ctx: Context) -> list[Milestone]:
    tx = ctx.transaction
    bak = need_segment(tx, "BAK", "beginning segment for purchase order acknowledgment")
    kind = code(ctx, "bak_type", need(bak, 2, "acknowledgment type"), bak, 2)
    order = need(bak, 3, "purchase order number")
    attrs: dict[str, Any] = {**ctx.base_attrs(), "acknowledgment_type": bak.el(2).strip()}
    if kind == "atp_confirmed":
        lines = []
        for n, seg in enumerate(tx.all("PO1"), start=1):
            lines.append({"line_no": _line_no(seg.el(1), n), "qty": as_json_number(number(seg, 2, "quantity ordered"))})
        attrs["lines"] = lines
    else:
        attrs["reason"] = f"rejected by the supplier (855 BAK02 {bak.el(2).strip()})"
    return [Milestone(source=ctx.source, source_event_id=ctx.event_id(order, kind), kind=kind,
                      occurred_at=utc(x12_time(bak, 4, None, None, ctx)), attrs=attrs, **ctx.order(order))]


def check_997(ctx: Context) -> list[Milestone]:
    """A received acknowledgement: checked (AK1 and AK9 present, codes valid), never a milestone."""
    tx = ctx.transaction
    ak1 = need_segment(tx, "AK1", "functional group response header")
    need_segment(tx, "AK9", "functional group response trailer")
    functional = need(ak1, 1, "functional identifier code")
    if functional not in set(ctx.codes.get("functional_ids") or ()):
        raise MappingError(f"unknown functional identifier code {functional!r} in AK101", ak1, 1,
                           code="unknown_code", element_code="7")
    for ak4 in tx.all("AK4"):
        reference = ak4.el(2).strip()
        if reference and not reference.isdigit():
            raise MappingError(f"expected a data element reference number in AK402, found {reference!r}", ak4, 2,
                               code="invalid_number", element_code="6")
    return []
