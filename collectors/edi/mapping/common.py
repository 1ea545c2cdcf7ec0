"""What every mapping shares: the context of one transaction, the error a mapping raises (with
the segment and element it is about), and readers for dates, times, numbers and codes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timezone
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from collectors.edi.model import Group, Interchange, Segment, Transaction
from collectors.edi.partners import Partner
from tower.store.milestone import Ref

# X12 AK3/AK4 and CONTRL notes for mapping errors.
MISSING_ELEMENT, INVALID_CODE, INVALID_DATE, INVALID_TIME, INVALID_NUMBER = "1", "7", "8", "9", "6"
MISSING_SEGMENT = "3"


class MappingError(ValueError):
    """The transaction cannot be mapped: the reason, and the segment/element it is about."""

    def __init__(self, message: str, segment: Segment | None = None, element: int | None = None,
                 code: str = "unmappable", element_code: str | None = None,
                 segment_code: str | None = None) -> None:
        super().__init__(message)
        self.message, self.segment, self.element = message, segment, element
        self.code, self.element_code = code, element_code
        self.segment_code = segment_code or ("8" if element is not None else MISSING_SEGMENT)


@dataclass
class Context:
    partner: Partner
    interchange: Interchange
    group: Group
    transaction: Transaction
    codes: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        return self.partner.source

    def event_id(self, *parts: str) -> str:
        """A source event id from the facts themselves (not control numbers), so the same fact
        resent in a new interchange is stored once."""
        return ":".join(("edi", self.partner.id, self.transaction.set_id, *[p.strip() for p in parts]))

    def order(self, value: str) -> dict[str, Any]:
        """Milestone fields naming the order by the partner's kind of order reference."""
        if self.partner.order_reference == "customer_po":
            return {"ref": Ref("erp", "customer_po", value)}
        return {"order_id": value}

    def shipment_for(self, shipment: str, order: str, orders: int) -> str:
        """tower's shipment belongs to one order: a despatch that serves several orders becomes
        one shipment per order, "<despatch id>/<order>" (attrs keep the despatch id)."""
        return shipment if orders <= 1 else f"{shipment}/{order}"

    def base_attrs(self) -> dict[str, Any]:
        return {"via": "edi", "partner": self.partner.id,
                "edi": f"{self.transaction.standard} {self.transaction.set_id} "
                       f"{self.interchange.control}/{self.group.control or '-'}/{self.transaction.control}"}

    def sent_at(self) -> datetime:
        """When the partner sent the transaction: GS04/GS05 (X12) or UNB S004 (EDIFACT)."""
        if self.transaction.standard == "X12" and self.group.header is not None:
            gs = self.group.header
            try:
                return x12_time(gs, 4, 5, None, self)
            except MappingError:
                pass
        if self.interchange.header is not None and self.interchange.standard == "X12":
            return x12_time(self.interchange.header, 9, 10, None, self)
        date, clock = self.interchange.date, self.interchange.time
        fmt = "%y%m%d" if len(date) == 6 else "%Y%m%d"
        try:
            day = datetime.strptime(date, fmt)
            hhmm = datetime.strptime(clock[:4], "%H%M").time() if len(clock) >= 4 else time(0)
        except ValueError:
            raise MappingError(f"expected the interchange date/time as YYMMDD:HHMM, found {date!r}:{clock!r}",
                               self.interchange.header, 4, element_code=INVALID_DATE) from None
        return datetime.combine(day.date(), hhmm, self.partner.zone)


def need(seg: Segment | None, i: int, what: str, tx_tag: str = "") -> str:
    if seg is None:
        raise MappingError(f"expected a {tx_tag} segment ({what})", None, code="missing_segment")
    value = seg.el(i).strip()
    if not value:
        raise MappingError(f"expected {seg.tag}{i:02d} ({what}), found nothing", seg, i,
                           code="missing_element", element_code=MISSING_ELEMENT)
    return value


def need_segment(tx: Transaction, tag: str, what: str) -> Segment:
    seg = tx.find(tag)
    if seg is None:
        raise MappingError(f"expected a {tag} segment ({what}) in transaction {tx.name}", None,
                           code="missing_segment", segment_code=MISSING_SEGMENT)
    return seg


def number(seg: Segment, i: int, what: str, required: bool = True, implied_decimals: int = 0) -> Decimal | None:
    raw = seg.el(i).strip()
    if not raw:
        if required:
            raise MappingError(f"expected {seg.tag}{i:02d} ({what}), found nothing", seg, i,
                               code="missing_element", element_code=MISSING_ELEMENT)
        return None
    try:
        value = Decimal(raw.replace(",", ".") if seg.tag in ("QTY", "PRI", "MOA") else raw)
    except InvalidOperation:
        raise MappingError(f"expected a number in {seg.tag}{i:02d} ({what}), found {raw!r}", seg, i,
                           code="invalid_number", element_code=INVALID_NUMBER) from None
    return value.scaleb(-implied_decimals) if implied_decimals else value


def as_json_number(value: Decimal | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def zone_for(code: str, ctx: Context, seg: Segment, element: int) -> ZoneInfo:
    code = code.strip().upper()
    if not code or code == "LT":
        return ctx.partner.zone
    name = (ctx.codes.get("time_codes") or {}).get(code)
    if name is None:
        raise MappingError(f"unknown time code {code!r} in {seg.tag}{element:02d}", seg, element,
                           code="unknown_code", element_code=INVALID_CODE)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ctx.partner.zone


def x12_time(seg: Segment, date_el: int, time_el: int | None, zone_el: int | None, ctx: Context) -> datetime:
    """An aware time from an X12 date (CCYYMMDD or YYMMDD), time (HHMM[SS[d..]]) and time code."""
    raw = seg.el(date_el).strip()
    fmt = {8: "%Y%m%d", 6: "%y%m%d"}.get(len(raw))
    try:
        if fmt is None or not raw.isdigit():
            raise ValueError
        day = datetime.strptime(raw, fmt).date()
    except ValueError:
        raise MappingError(f"expected a date CCYYMMDD in {seg.tag}{date_el:02d}, found {raw!r}", seg, date_el,
                           code="invalid_date", element_code=INVALID_DATE) from None
    clock = seg.el(time_el).strip() if time_el else ""
    at = time(0)
    if clock:
        try:
            if not clock.isdigit() or len(clock) < 4:
                raise ValueError
            at = time(int(clock[:2]), int(clock[2:4]), int(clock[4:6]) if len(clock) >= 6 else 0)
        except ValueError:
            raise MappingError(f"expected a time HHMM[SS] in {seg.tag}{time_el:02d}, found {clock!r}", seg, time_el,
                               code="invalid_time", element_code=INVALID_TIME) from None
    zone = zone_for(seg.el(zone_el), ctx, seg, zone_el) if zone_el else ctx.partner.zone
    return datetime.combine(day, at, zone)


_EDIFACT_FORMATS = {"102": ("%Y%m%d", 8), "203": ("%Y%m%d%H%M", 12), "204": ("%Y%m%d%H%M%S", 14),
                    "101": ("%y%m%d", 6), "201": ("%y%m%d%H%M", 10), "718": ("%Y%m%d", 8),
                    "303": ("%Y%m%d%H%M", 12)}  # 303 adds a zone code, read as the partner's


def edifact_time(seg: Segment, ctx: Context) -> datetime:
    """An aware time from a DTM segment (C507: qualifier, value, format 102/203/204/101/201/718);
    EDIFACT dates carry no zone, so the partner's applies."""
    value, fmt_code = seg.comp(1, 2).strip(), seg.comp(1, 3).strip() or "102"
    spec = _EDIFACT_FORMATS.get(fmt_code)
    if spec is None:
        raise MappingError(f"unknown date format {fmt_code!r} in DTM C507", seg, 1,
                           code="unknown_code", element_code=INVALID_CODE)
    fmt, length = spec
    try:
        parsed = datetime.strptime(value[:length], fmt)
    except ValueError:
        raise MappingError(f"expected a date in format {fmt_code} in DTM C507, found {value!r}", seg, 1,
                           code="invalid_date", element_code=INVALID_DATE) from None
    return parsed.replace(tzinfo=ctx.partner.zone)


def code(ctx: Context, table: str, value: str, seg: Segment, element: int) -> Any:
    """The mapped value of a code; MappingError for a code the list (with overrides) lacks."""
    codes = ctx.codes.get(table) or {}
    if value not in codes:
        raise MappingError(f"unknown code {value!r} in {seg.tag}{element:02d} (not in the {table} list)", seg, element,
                           code="unknown_code", element_code=INVALID_CODE)
    return codes[value]


def utc(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat()
