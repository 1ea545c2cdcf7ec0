"""`tower import ocel`: an OCEL log's events as milestones, through the common connector.

With tower's own vocabulary (a log `tower export ocel` wrote), every event is one milestone:
its type is the kind, its `tower:*` attributes give source, source_event_id and line_no, its
relations qualified order/shipment/invoice/payment/return give the ids, and the other
attributes are the milestone's attrs, so export -> import -> export gives the same log.

With a mapping file (tower.ocel.mapping), each event of a mapped activity becomes one
milestone per order it concerns (directly, or through its line objects, or through the lines
packed in its shipment); line objects get line numbers per order in the order they first
appear. An event of an activity the mapping does not list, or that concerns no order, is
rejected with the reason (a dead letter); an activity mapped to null is counted as not mapped.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import datetime
from typing import Any, Iterator

from tower.importers.connector import SOURCE, Record
from tower.milestones import KINDS, LINE_KINDS
from tower.ocel.mapping import Mapping
from tower.ocel.model import Event
from tower.ocel.readers import Log

ROLE_FIELDS = {"shipment": "shipment_id", "invoice": "invoice_id", "payment": "payment_id", "return": "return_id"}


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def _payload(e: Event) -> dict:
    return {"id": e.id, "type": e.type, "time": e.time.isoformat(),
            "attributes": {k: _plain(v) for k, v in e.attributes.items()}, "relationships": e.relationships}


def records(log: Log, mapping: Mapping) -> Iterator[Record]:
    if mapping.tower:
        for e in log.events:
            yield _tower_record(e)
        return
    yield from _mapped(log, mapping)


def _tower_record(e: Event) -> Record:
    if e.type not in KINDS:
        return Record(e.id, _payload(e), reason=f"event type {e.type!r} is not a tower kind")
    attrs = dict(e.attributes)
    source = str(attrs.pop("tower:source", SOURCE))
    seid = str(attrs.pop("tower:source_event_id", f"ocel:{e.id}"))
    line_no = attrs.pop("tower:line_no", None)
    for key in filter(None, str(attrs.pop("tower:json", "")).split(",")):
        try:
            attrs[key] = json.loads(attrs[key])
        except (KeyError, TypeError, ValueError):
            return Record(e.id, _payload(e), reason=f"attribute {key!r} is not the JSON tower:json says it is")
    attrs = {k: _plain(v) for k, v in attrs.items()}
    m: dict[str, Any] = dict(source=source, source_event_id=seid, kind=e.type, occurred_at=e.time.isoformat(),
                             attrs=attrs, line_no=line_no)
    for oid, q in e.relationships:
        if q == "order":
            m["order_id"] = oid
        elif q in ROLE_FIELDS:
            m[ROLE_FIELDS[q]] = oid
    return Record(e.id, _payload(e), [m])


def _mapped(log: Log, mapping: Mapping) -> Iterator[Record]:
    role = {t: r for r, t in mapping.objects.items()}

    def of(e: Event, r: str) -> list[str]:
        return [o for o, _ in e.relationships if role.get(log.object_type(o) or "") == r]

    events = sorted(log.events, key=lambda e: (e.time, e.id))
    line_order: dict[str, str] = {}
    shipment_lines: dict[str, list[str]] = defaultdict(list)
    for obj in log.objects.values():  # object-to-object relations, either direction
        for target, _ in obj.relationships:
            pair = {role.get(obj.type), role.get(log.object_type(target) or "")}
            if pair == {"line", "order"}:
                line, order = (obj.id, target) if role.get(obj.type) == "line" else (target, obj.id)
                line_order.setdefault(line, order)
            elif pair == {"line", "shipment"}:
                line, ship = (obj.id, target) if role.get(obj.type) == "line" else (target, obj.id)
                shipment_lines[ship].append(line)
    line_no: dict[str, int] = {}
    per_order = defaultdict(list)
    for e in events:
        orders, lines = of(e, "order"), of(e, "line")
        if len(orders) == 1:
            for line in lines:
                line_order.setdefault(line, orders[0])
        for ship in of(e, "shipment"):
            for line in lines:
                if line not in shipment_lines[ship]:
                    shipment_lines[ship].append(line)
    for e in events:
        for line in of(e, "line"):
            line_owner = line_order.get(line)
            if line_owner and line not in line_no:
                per_order[line_owner].append(line)
                line_no[line] = len(per_order[line_owner])

    for e in events:
        if e.type not in mapping.activities:
            yield Record(e.id, _payload(e), reason=f"activity {e.type!r} is not in the mapping {mapping.name!r}")
            continue
        act = mapping.activities[e.type]
        if act is None:
            yield Record(e.id, _payload(e), notes={f"activity {e.type!r} not mapped (by the mapping)": 1})
            continue
        lines = of(e, "line")
        ships = of(e, "shipment")
        if not lines:
            lines = [l for s in ships for l in shipment_lines.get(s, [])]
        orders = of(e, "order") or list(dict.fromkeys(line_order[l] for l in lines if l in line_order))
        if not orders:
            yield Record(e.id, _payload(e), reason=f"event {e.id!r} ({e.type}) concerns no order of type "
                                                    f"{mapping.objects['order']!r}, directly or through its objects")
            continue
        out = []
        for order in orders:
            mine = [l for l in lines if line_order.get(l) == order]
            if act.lines == "all" or (act.kind == "placed" and not mine):
                mine = per_order.get(order, []) if act.lines == "all" else mine
            out.append(_milestone(e, act, mapping, order, mine, ships, len(orders) > 1, line_no, log, role))
        yield Record(e.id, _payload(e), out)


def _milestone(e: Event, act, mapping: Mapping, order: str, lines: list[str], ships: list[str], shared: bool,
               line_no: dict[str, int], log: Log, role: dict[str, str]) -> dict:
    oid = f"{mapping.order_prefix}{order}"
    attrs: dict[str, Any] = {}
    for k, v in e.attributes.items():
        attrs[act.attributes.get(k, k)] = _plain(v)
    kind = act.kind
    if kind in LINE_KINDS and lines:
        if kind == "placed":
            attrs["lines"] = [dict(line_no=line_no[l], sku=l, qty=1) for l in lines]
        elif kind == "atp_short":
            attrs["lines"] = [dict(line_no=line_no[l], qty=0, qty_short=1) for l in lines]
        else:
            attrs["lines"] = [dict(line_no=line_no[l], qty=1) for l in lines]
    if kind == "placed":
        if mapping.warehouse:
            attrs.setdefault("warehouse", mapping.warehouse)
        customers = [o for o, _ in e.relationships if role.get(log.object_type(o) or "") == "customer"]
        if customers:
            attrs["customer_id"] = customers[0]
    m: dict[str, Any] = dict(source=SOURCE, source_event_id=f"ocel:{e.id}" + (f":{order}" if shared else ""),
                             kind=kind, order_id=oid, occurred_at=e.time.isoformat(), attrs=attrs)
    if ships:
        m["shipment_id"] = f"{mapping.order_prefix}{ships[0]}" + (f"/{order}" if shared else "")
    for r, field_name in ROLE_FIELDS.items():
        if r == "shipment":
            continue
        objs = [o for o, _ in e.relationships if role.get(log.object_type(o) or "") == r]
        if objs:
            m[field_name] = f"{mapping.order_prefix}{objs[0]}"
    if kind == "paid" and "payment_id" not in m:
        m["payment_id"] = f"{oid}-P-{e.id}"
    return m
