"""Read an OCEL log into events and objects: OCEL 2.0 (JSON, XML, SQLite) and OCEL 1.0
(jsonocel, xmlocel, and the flattened CSV pm4py writes: one row per event, one
`ocel:type:<type>` column per object type holding a Python-list string of object ids).

The format is told from the content (JSON keys, XML elements), the extension only picks the
parser. Times without a zone (OCEL 1.0 allows them) are read in `naive_zone` (the mapping
file's `zone`, UTC by default). OCEL 1.0 relations have no qualifier: they are qualified
by the object's type.
"""

from __future__ import annotations

import ast
import csv
import json
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import timezone, tzinfo
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from tower.ocel.model import Event, Object, parse_time, parse_value


class UnreadableLog(ValueError):
    """The file is not an OCEL log tower can read (the message says why)."""


@dataclass
class Log:
    version: str
    events: list[Event] = field(default_factory=list)
    objects: dict[str, Object] = field(default_factory=dict)

    def object_type(self, oid: str) -> str | None:
        obj = self.objects.get(oid)
        return obj.type if obj else None


def read(path: Path, *, naive_zone: tzinfo = timezone.utc) -> Log:
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in (".json", ".jsonocel"):
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
            return _ocel1_json(doc, naive_zone) if "ocel:events" in doc else _ocel2_json(doc, naive_zone)
        if suffix in (".xml", ".xmlocel"):
            root = ET.parse(path).getroot()
            return _ocel1_xml(root, naive_zone) if root.find("global") is not None else _ocel2_xml(root, naive_zone)
        if suffix in (".sqlite", ".db", ".sqlite3"):
            return _ocel2_sqlite(path, naive_zone)
        if suffix == ".csv":
            return _ocel1_csv(path, naive_zone)
    except (OSError, ValueError, KeyError, TypeError, ET.ParseError, sqlite3.Error) as exc:
        if isinstance(exc, UnreadableLog):
            raise
        raise UnreadableLog(f"{path.name} is not a readable OCEL log: {exc}") from None
    raise UnreadableLog(f"{path.name}: unknown OCEL file type {suffix!r} "
                        "(expected .json/.jsonocel, .xml/.xmlocel, .sqlite or .csv)")


def _declared(types: list[dict]) -> dict[str, dict[str, str]]:
    return {t["name"]: {a["name"]: a.get("type", "string") for a in t.get("attributes", [])} for t in types}


def _ocel2_json(doc: dict, zone: tzinfo) -> Log:
    ev_types, ob_types = _declared(doc.get("eventTypes", [])), _declared(doc.get("objectTypes", []))
    log = Log("2.0")
    for o in doc.get("objects", []):
        decl = ob_types.get(o["type"], {})
        log.objects[o["id"]] = Object(
            o["id"], o["type"],
            [(a["name"], parse_time(a.get("time") or "1970-01-01T00:00:00Z", naive_zone=zone),
              parse_value(a["value"], decl.get(a["name"]))) for a in o.get("attributes", [])],
            [(r["objectId"], r.get("qualifier", "")) for r in o.get("relationships", [])])
    for e in doc.get("events", []):
        decl = ev_types.get(e["type"], {})
        log.events.append(Event(e["id"], e["type"], parse_time(e["time"], naive_zone=zone),
                                {a["name"]: parse_value(a["value"], decl.get(a["name"])) for a in e.get("attributes", [])},
                                [(r["objectId"], r.get("qualifier", "")) for r in e.get("relationships", [])]))
    return log


def _attr(el: ET.Element, name: str, default: str = "") -> str:
    """An XML attribute's text ("" when the attribute is missing)."""
    value = el.get(name)
    return default if value is None else value


def _xml_types(root: ET.Element, tag: str) -> dict[str, dict[str, str]]:
    out = {}
    for t in root.iterfind(f"{tag}-types/{tag}-type"):
        out[_attr(t, "name")] = {_attr(a, "name"): _attr(a, "type", "string") for a in t.iterfind("attributes/attribute")}
    return out


def _ocel2_xml(root: ET.Element, zone: tzinfo) -> Log:
    ev_types, ob_types = _xml_types(root, "event"), _xml_types(root, "object")
    log = Log("2.0")
    for o in root.iterfind("objects/object"):
        decl = ob_types.get(_attr(o, "type"), {})
        log.objects[_attr(o, "id")] = Object(
            _attr(o, "id"), _attr(o, "type"),
            [(_attr(a, "name"), parse_time(_attr(a, "time") or "1970-01-01T00:00:00Z", naive_zone=zone),
              parse_value(a.text or "", decl.get(_attr(a, "name")))) for a in o.iterfind("attributes/attribute")],
            [(_attr(r, "object-id"), _attr(r, "qualifier", "")) for r in o.iterfind("objects/relationship")])
    for e in root.iterfind("events/event"):
        decl = ev_types.get(_attr(e, "type"), {})
        log.events.append(Event(
            _attr(e, "id"), _attr(e, "type"), parse_time(_attr(e, "time"), naive_zone=zone),
            {_attr(a, "name"): parse_value(a.text or "", decl.get(_attr(a, "name"))) for a in e.iterfind("attributes/attribute")},
            [(_attr(r, "object-id"), _attr(r, "qualifier", "")) for r in e.iterfind("objects/relationship")]))
    return log


def _ocel2_sqlite(path: Path, zone: tzinfo) -> Log:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    try:
        log = Log("2.0")
        ev_map = dict(db.execute("SELECT ocel_type, ocel_type_map FROM event_map_type").fetchall())
        ob_map = dict(db.execute("SELECT ocel_type, ocel_type_map FROM object_map_type").fetchall())
        for r in db.execute("SELECT ocel_id, ocel_type FROM object"):
            log.objects[r["ocel_id"]] = Object(r["ocel_id"], r["ocel_type"])
        for m in ob_map.values():
            decl = _column_types(db, f"object_{m}")
            for r in db.execute(_rows_in_order(f"object_{m}", decl)):
                obj = log.objects.get(r["ocel_id"])
                if obj is None:
                    continue
                keys = r.keys()
                when = parse_time(str(r["ocel_time"]) if "ocel_time" in keys and r["ocel_time"] else
                                  "1970-01-01T00:00:00Z", naive_zone=zone)
                changed = r["ocel_changed_field"] if "ocel_changed_field" in r.keys() else None
                for k in r.keys():
                    if k in ("ocel_id", "ocel_time", "ocel_changed_field") or r[k] is None:
                        continue
                    if changed is None or changed == k:
                        obj.changes.append((k, when, _sqlite_value(r[k], decl.get(k))))
        for r in db.execute("SELECT * FROM object_object ORDER BY rowid"):
            if r["ocel_source_id"] in log.objects:
                log.objects[r["ocel_source_id"]].relationships.append((r["ocel_target_id"], str(r["ocel_qualifier"] or "")))
        rel: dict[str, list[tuple[str, str]]] = {}
        for r in db.execute("SELECT * FROM event_object ORDER BY rowid"):
            rel.setdefault(r["ocel_event_id"], []).append((r["ocel_object_id"], r["ocel_qualifier"] or ""))
        types = dict(db.execute("SELECT ocel_id, ocel_type FROM event").fetchall())
        for type_name, m in ev_map.items():
            decl = _column_types(db, f"event_{m}")
            for r in db.execute(_rows_in_order(f"event_{m}", decl)):
                attrs = {k: _sqlite_value(r[k], decl.get(k)) for k in r.keys() if k not in ("ocel_id", "ocel_time") and r[k] is not None}
                log.events.append(Event(r["ocel_id"], str(types.get(r["ocel_id"], type_name)),
                                        parse_time(str(r["ocel_time"]), naive_zone=zone), attrs, rel.get(r["ocel_id"], [])))
        log.events.sort(key=lambda e: e.time)
        return log
    finally:
        db.close()


def _column_types(db: sqlite3.Connection, table: str) -> dict[str, str]:
    """{column: declared type} of a table, in column order (the name is bound, not spliced)."""
    return {r[0]: (r[1] or "").upper() for r in db.execute("SELECT name, type FROM pragma_table_info(?)", (table,))}


def _rows_in_order(table: str, columns: dict[str, str]) -> str:
    """SELECT of every column of a type's table in file order. The table and column names come
    from the log itself and SQLite cannot bind identifiers, so SQLAlchemy quotes them, as the
    writer does; no value is part of the statement."""
    return str(sa.select(*(sa.column(c) for c in columns)).select_from(sa.table(table))
               .order_by(sa.literal_column("rowid")).compile(dialect=sqlite_dialect()))


def _sqlite_value(v, declared: str | None = None):
    if declared == "BOOLEAN" and isinstance(v, int):
        return bool(v)
    if isinstance(v, str):
        try:
            return parse_time(v) if len(v) >= 19 and v[4] == "-" and v[10] in " T" else v
        except ValueError:
            return v
    return v


def _ocel1_objects(log: Log, objects: dict, zone: tzinfo) -> None:
    for oid, o in objects.items():
        log.objects[oid] = Object(oid, o.get("ocel:type", ""),
                                  [(k, parse_time("1970-01-01T00:00:00Z"), v) for k, v in (o.get("ocel:ovmap") or {}).items()])


def _ocel1_json(doc: dict, zone: tzinfo) -> Log:
    log = Log("1.0")
    _ocel1_objects(log, doc.get("ocel:objects", {}), zone)
    for eid, e in doc["ocel:events"].items():
        log.events.append(Event(eid, e["ocel:activity"], parse_time(e["ocel:timestamp"], naive_zone=zone),
                                dict(e.get("ocel:vmap") or {}),
                                [(o, log.object_type(o) or "") for o in e.get("ocel:omap", [])]))
    return log


def _xml1_value(el: ET.Element):
    v = _attr(el, "value")
    if el.tag == "float":
        return float(v)
    if el.tag == "int":
        return int(v)
    if el.tag == "boolean":
        return v.lower() == "true"
    return v


def _ocel1_xml(root: ET.Element, zone: tzinfo) -> Log:
    log = Log("1.0")
    for o in root.iterfind("objects/object"):
        fields = {_attr(c, "key"): c for c in o}
        oid = _attr(fields["id"], "value")
        ovmap = fields.get("ovmap")
        log.objects[oid] = Object(oid, _attr(fields["type"], "value"),
                                  [(_attr(c, "key"), parse_time("1970-01-01T00:00:00Z"), _xml1_value(c))
                                   for c in (ovmap if ovmap is not None else [])])
    for e in root.iterfind("events/event"):
        fields = {_attr(c, "key"): c for c in e}
        omap = [_attr(c, "value") for c in fields["omap"]] if "omap" in fields else []
        vmap = {_attr(c, "key"): _xml1_value(c) for c in fields["vmap"]} if "vmap" in fields else {}
        log.events.append(Event(_attr(fields["id"], "value"), _attr(fields["activity"], "value"),
                                parse_time(_attr(fields["timestamp"], "value"), naive_zone=zone), vmap,
                                [(o, log.object_type(o) or "") for o in omap]))
    return log


def _ocel1_csv(path: Path, zone: tzinfo) -> Log:
    log = Log("1.0")
    with open(path, newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        type_cols = [c for c in reader.fieldnames or [] if c.startswith("ocel:type:")]
        if not {"ocel:eid", "ocel:activity", "ocel:timestamp"} <= set(reader.fieldnames or []):
            raise UnreadableLog(f"{path.name}: a flattened OCEL CSV needs ocel:eid, ocel:activity and ocel:timestamp")
        for row in reader:
            rel = []
            for col in type_cols:
                text = (row[col] or "").strip()
                if not text:
                    continue
                otype = col[len("ocel:type:"):]
                for oid in ast.literal_eval(text):
                    oid = str(oid)
                    log.objects.setdefault(oid, Object(oid, otype))
                    rel.append((oid, otype))
            attrs: dict[str, Any] = {}
            for k, v in row.items():
                if k.startswith("ocel:") or v is None or not v.strip():
                    continue
                try:
                    attrs[k] = float(v) if any(ch in v for ch in ".eE") else int(v)
                except ValueError:
                    attrs[k] = v
            log.events.append(Event(row["ocel:eid"], row["ocel:activity"],
                                    parse_time(row["ocel:timestamp"], naive_zone=zone), attrs, rel))
    return log
