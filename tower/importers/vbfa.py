"""Import an SAP sales document flow (table VBFA, one row per link predecessor -> successor)
as milestones, reconstructing each sales order from its links.

An order is every predecessor document of type C (VBTYP_V = "C"), id "SAP-<VBELV>"; its lines
are the predecessor items (POSNV). Links from the order (all times are ERDAT + ERZET of the
link, UTC: the file names no zone):
    C -> J (delivery)        released: the first delivery document created for the order;
                             the delivery quantities per item
    C -> R, BWART 601        shipped: one per goods-issue document (shipment "<order>-GI-<doc>"),
                             with the quantities issued per item
    C -> M (invoice)         invoiced: one per invoice document and order ("<order>-INV-<doc>"),
                             amount = sum of RFWRT, per-item qty and unit price, currency WAERS
    x -> C (the order as successor, e.g. from a quotation B)
                             placed at that link's time: the order's creation
VBFA holds no order header: when no link creates the order, placed is stamped at its earliest
follow-on link and its attrs say so (time_known false); duration KPIs skip such orders. VBFA
holds no ordered quantity either: a line's quantity is the larger of what its deliveries and
its invoices carried, so fill rates on this data describe the links, not the customer's order.
Other links of an order (returns, credit memos, cancellations, other movement types) are
counted in the summary's notes, not mapped.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from tower.importers.connector import SOURCE, Record

DATASET = "vbfa"
_UTC = timezone.utc


def _time(row: dict) -> str:
    """ERDAT + ERZET as ISO-8601 UTC; an unreadable pair is passed on as it is so that ingest
    rejects the milestone with the reason."""
    raw = f"{row['ERDAT'].strip()}{row['ERZET'].strip().zfill(6)}"
    try:
        return datetime.strptime(raw, "%Y%m%d%H%M%S").replace(tzinfo=_UTC).isoformat()
    except ValueError:
        return f"ERDAT/ERZET {row['ERDAT']!r}/{row['ERZET']!r}"


def _num(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return 0.0


def _read(path: Path) -> tuple[dict[str, list[dict]], dict[str, str]]:
    by_order: dict[str, list[dict]] = defaultdict(list)
    created: dict[str, str] = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["VBTYP_V"] == "C":
                by_order[row["VBELV"]].append(row)
            if row["VBTYP_N"] == "C":
                t = _time(row)
                created[row["VBELN"]] = min(created.get(row["VBELN"], t), t)
    return by_order, created


def count(path: Path) -> int:
    with open(path, newline="") as f:
        return len({r["VBELV"] for r in csv.DictReader(f) if r["VBTYP_V"] == "C"})


def records(path: Path) -> Iterator[Record]:
    by_order, created = _read(path)
    for doc in sorted(by_order):
        yield order_record(doc, by_order[doc], created.get(doc))


def order_record(doc: str, links: list[dict], created_at: str | None) -> Record:
    oid = f"SAP-{doc}"
    deliveries = [r for r in links if r["VBTYP_N"] == "J"]
    issues = [r for r in links if r["VBTYP_N"] == "R" and r["BWART"].strip() == "601"]
    invoices = [r for r in links if r["VBTYP_N"] == "M"]
    items = sorted({int(r["POSNV"]) for r in links if r["POSNV"].strip().isdigit()})
    qty_delivery: dict[int, float] = defaultdict(float)
    qty_invoice: dict[int, float] = defaultdict(float)
    for r in deliveries:
        qty_delivery[int(r["POSNV"])] += _num(r["RFMNG"])
    for r in invoices:
        qty_invoice[int(r["POSNV"])] += _num(r["RFMNG"])
    currency = next((r["WAERS"] for r in invoices if r["WAERS"].strip()), None)
    lines = [dict(line_no=i, qty=max(qty_delivery[i], qty_invoice[i]),
                  sku=next((r["MATNR"].strip() for r in links if int(r["POSNV"] or 0) == i and r["MATNR"].strip()), None))
             for i in items]
    times = sorted(_time(r) for r in links)
    attrs = dict(channel="sap", warehouse="SAP", currency=currency, lines=lines, sap_order=doc)
    if created_at is None:
        attrs.update(time_known=False, time_basis="earliest follow-on document link (VBFA has no order header)")
    ev = [dict(source=SOURCE, source_event_id=f"{oid}:placed", kind="placed", order_id=oid,
               occurred_at=created_at or times[0], attrs=attrs)]
    if deliveries:
        first = min(deliveries, key=_time)
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:released", kind="released", order_id=oid,
                       occurred_at=_time(first), attrs=dict(delivery=first["VBELN"])))
    for gi_doc, rows in _group(issues).items():
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:gi:{gi_doc}", kind="shipped", order_id=oid,
                       occurred_at=min(_time(r) for r in rows), shipment_id=f"{oid}-GI-{gi_doc}",
                       attrs=dict(goods_issue=gi_doc, lines=_lines(rows))))
    for inv_doc, rows in _group(invoices).items():
        amount = round(sum(_num(r["RFWRT"]) for r in rows), 2)
        ev.append(dict(source=SOURCE, source_event_id=f"{oid}:inv:{inv_doc}", kind="invoiced", order_id=oid,
                       occurred_at=min(_time(r) for r in rows), invoice_id=f"{oid}-INV-{inv_doc}",
                       attrs=dict(invoice_no=inv_doc, amount=amount, currency=rows[0]["WAERS"].strip() or currency,
                                  lines=_lines(rows, priced=True))))
    notes: dict[str, int] = defaultdict(int)
    for r in links:
        if not (r in deliveries or r in issues or r in invoices):
            notes[f"order link to VBTYP {r['VBTYP_N']}{' BWART ' + r['BWART'].strip() if r['VBTYP_N'] == 'R' else ''} not mapped"] += 1
    return Record(oid, {"order": doc, "links": len(links)}, ev, notes=dict(notes))


def _group(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for r in rows:
        out[r["VBELN"]].append(r)
    return out


def _lines(rows: list[dict], priced: bool = False) -> list[dict]:
    qty: dict[int, float] = defaultdict(float)
    value: dict[int, float] = defaultdict(float)
    for r in rows:
        qty[int(r["POSNV"])] += _num(r["RFMNG"])
        value[int(r["POSNV"])] += _num(r["RFWRT"])
    out = []
    for i in sorted(qty):
        line = dict(line_no=i, qty=qty[i])
        if priced:
            line["unit_price"] = value[i] / qty[i] if qty[i] else 0.0
        out.append(line)
    return out
