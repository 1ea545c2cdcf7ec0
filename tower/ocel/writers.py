"""Write OCEL 2.0 as JSON, XML or SQLite from streams of events and objects.

The type declarations (every event and object type with its attributes and their types)
must come first in JSON/XML but are only known once everything was seen, so events and
objects are spooled to temporary files as they stream in and copied after the declarations:
memory holds the declarations, never the log.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import tempfile
from pathlib import Path
from typing import Any, Iterable
from xml.sax.saxutils import escape, quoteattr

import orjson

from tower.ocel.model import Event, Object, time_text, type_of, value_text, widen

FORMATS = ("json", "xml", "sqlite")


class _Types:
    def __init__(self) -> None:
        self.events: dict[str, dict[str, str]] = {}
        self.objects: dict[str, dict[str, str]] = {}

    def see(self, table: dict[str, dict[str, str]], type_name: str, name: str, value: Any) -> None:
        attrs = table.setdefault(type_name, {})
        attrs[name] = widen(attrs.get(name), type_of(value))


def write(path: Path, fmt: str, events: Iterable[Event], objects: Iterable[Object]) -> dict[str, int]:
    """Write the log; returns counts (events, objects, e2o, o2o, changes)."""
    if fmt == "json":
        return _json(Path(path), events, objects)
    if fmt == "xml":
        return _xml(Path(path), events, objects)
    if fmt == "sqlite":
        return _sqlite(Path(path), events, objects)
    raise ValueError(f"format must be one of {FORMATS}, got {fmt!r}")


def _counts() -> dict[str, int]:
    return {"events": 0, "objects": 0, "e2o": 0, "o2o": 0, "changes": 0}


def _json(path: Path, events: Iterable[Event], objects: Iterable[Object]) -> dict[str, int]:
    types, counts = _Types(), _counts()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as ev, tempfile.TemporaryFile("w+", encoding="utf-8") as ob:
        for e in events:
            types.events.setdefault(e.type, {})
            for k, v in e.attributes.items():
                types.see(types.events, e.type, k, v)
            ev.write(("," if counts["events"] else "") + "\n    " + _dumps({
                "id": e.id, "type": e.type, "time": time_text(e.time),
                "attributes": [{"name": k, "value": value_text(v)} for k, v in e.attributes.items()],
                "relationships": [{"objectId": o, "qualifier": q} for o, q in e.relationships]}))
            counts["events"] += 1
            counts["e2o"] += len(e.relationships)
        for o in objects:
            types.objects.setdefault(o.type, {})
            for name, _, v in o.changes:
                types.see(types.objects, o.type, name, v)
            ob.write(("," if counts["objects"] else "") + "\n    " + _dumps({
                "id": o.id, "type": o.type,
                "attributes": [{"name": n, "time": time_text(t), "value": value_text(v)} for n, t, v in o.changes],
                "relationships": [{"objectId": t, "qualifier": q} for t, q in o.relationships]}))
            counts["objects"] += 1
            counts["o2o"] += len(o.relationships)
            counts["changes"] += len(o.changes)
        with open(path, "w", encoding="utf-8") as out:
            out.write('{\n  "objectTypes": ' + json.dumps(_decl(types.objects)) + ',\n  "eventTypes": '
                      + json.dumps(_decl(types.events)) + ',\n  "objects": [')
            ob.seek(0)
            shutil.copyfileobj(ob, out)
            out.write('\n  ],\n  "events": [')
            ev.seek(0)
            shutil.copyfileobj(ev, out)
            out.write("\n  ]\n}\n")
    return counts


def _dumps(item: dict) -> str:
    return orjson.dumps(item).decode()


def _decl(table: dict[str, dict[str, str]]) -> list[dict]:
    return [{"name": t, "attributes": [{"name": n, "type": ty} for n, ty in sorted(a.items())]}
            for t, a in sorted(table.items())]


def _xml(path: Path, events: Iterable[Event], objects: Iterable[Object]) -> dict[str, int]:
    types, counts = _Types(), _counts()
    with tempfile.TemporaryFile("w+", encoding="utf-8") as ev, tempfile.TemporaryFile("w+", encoding="utf-8") as ob:
        for e in events:
            types.events.setdefault(e.type, {})
            ev.write(f"    <event id={quoteattr(e.id)} type={quoteattr(e.type)} time={quoteattr(time_text(e.time))}>\n"
                     "      <attributes>\n")
            for k, v in e.attributes.items():
                types.see(types.events, e.type, k, v)
                ev.write(f"        <attribute name={quoteattr(k)}>{escape(value_text(v))}</attribute>\n")
            ev.write("      </attributes>\n      <objects>\n")
            for target, q in e.relationships:
                ev.write(f"        <relationship object-id={quoteattr(target)} qualifier={quoteattr(q)}/>\n")
            ev.write("      </objects>\n    </event>\n")
            counts["events"] += 1
            counts["e2o"] += len(e.relationships)
        for o in objects:
            types.objects.setdefault(o.type, {})
            ob.write(f"    <object id={quoteattr(o.id)} type={quoteattr(o.type)}>\n      <attributes>\n")
            for name, t, v in o.changes:
                types.see(types.objects, o.type, name, v)
                ob.write(f"        <attribute name={quoteattr(name)} time={quoteattr(time_text(t))}>"
                         f"{escape(value_text(v))}</attribute>\n")
            ob.write("      </attributes>\n      <objects>\n")
            for target, q in o.relationships:
                ob.write(f"        <relationship object-id={quoteattr(target)} qualifier={quoteattr(q)}/>\n")
            ob.write("      </objects>\n    </object>\n")
            counts["objects"] += 1
            counts["o2o"] += len(o.relationships)
            counts["changes"] += len(o.changes)
        with open(path, "w", encoding="utf-8") as out:
            out.write("<?xml version='1.0' encoding='UTF-8'?>\n<log>\n")
            for tag, table in (("object", types.objects), ("event", types.events)):
                out.write(f"  <{tag}-types>\n")
                for d in _decl(table):
                    out.write(f"    <{tag}-type name={quoteattr(d['name'])}>\n      <attributes>\n")
                    for a in d["attributes"]:
                        out.write(f"        <attribute name={quoteattr(a['name'])} type={quoteattr(a['type'])}/>\n")
                    out.write(f"      </attributes>\n    </{tag}-type>\n")
                out.write(f"  </{tag}-types>\n")
            out.write("  <objects>\n")
            ob.seek(0)
            shutil.copyfileobj(ob, out)
            out.write("  </objects>\n  <events>\n")
            ev.seek(0)
            shutil.copyfileobj(ev, out)
            out.write("  </events>\n</log>\n")
    return counts


def table_name(type_name: str) -> str:
    """A type's table suffix, as the OCEL 2.0 relational format maps it: letters, digits, _."""
    return re.sub(r"[^A-Za-z0-9_]", "", type_name.title().replace(" ", "")) or "Type"


def _ident(name: str) -> str:
    """`name` as a quoted SQLite identifier. Table and column names of the OCEL relational
    format come from the log's own type and attribute names, and identifiers cannot be bound
    parameters: quoting (a `"` doubled) is what keeps any name from ending the identifier."""
    return '"' + name.replace('"', '""') + '"'


_SQL_TYPES = {"string": "TEXT", "time": "TIMESTAMP", "integer": "INTEGER", "float": "REAL", "boolean": "BOOLEAN"}


def _sqlite(path: Path, events: Iterable[Event], objects: Iterable[Object]) -> dict[str, int]:
    if path.exists():
        path.unlink()
    types, counts = _Types(), _counts()
    db = sqlite3.connect(path)
    db.executescript("""
        CREATE TABLE event (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
        CREATE TABLE object (ocel_id TEXT PRIMARY KEY, ocel_type TEXT);
        CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT,
                                   PRIMARY KEY (ocel_event_id, ocel_object_id, ocel_qualifier));
        CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT,
                                    PRIMARY KEY (ocel_source_id, ocel_target_id, ocel_qualifier));
        CREATE TABLE event_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
        CREATE TABLE object_map_type (ocel_type TEXT PRIMARY KEY, ocel_type_map TEXT);
    """)
    columns: dict[str, set[str]] = {}

    def ensure(table: str, base: str, attrs: dict[str, Any], declared: dict[str, str]) -> None:
        if table not in columns:
            db.execute(f"CREATE TABLE {_ident(table)} ({base})")
            columns[table] = set()
        for name in attrs:
            if name not in columns[table]:
                db.execute(f"ALTER TABLE {_ident(table)} ADD COLUMN {_ident(name)} {_SQL_TYPES[declared[name]]}")
                columns[table].add(name)

    maps: dict[str, dict[str, str]] = {"event": {}, "object": {}}

    def mapped(kind: str, type_name: str) -> str:
        if type_name not in maps[kind]:
            used = {v.casefold() for v in maps[kind].values()}
            base = candidate = table_name(type_name)
            n = 2
            while candidate.casefold() in used:
                candidate, n = f"{base}_{n}", n + 1
            maps[kind][type_name] = candidate
            db.execute(f"INSERT INTO {_ident(kind + '_map_type')} VALUES (?, ?)", (type_name, candidate))
        return maps[kind][type_name]

    for e in events:
        t = f"event_{mapped('event', e.type)}"
        for k, v in e.attributes.items():
            types.see(types.events, e.type, k, v)
        ensure(t, "ocel_id TEXT, ocel_time TIMESTAMP", e.attributes, types.events[e.type] if e.attributes else {})
        db.execute("INSERT INTO event VALUES (?, ?)", (e.id, e.type))
        names = list(e.attributes)
        cols = "".join(f", {_ident(n)}" for n in names)
        db.execute(f"INSERT INTO {_ident(t)} (ocel_id, ocel_time{cols}) VALUES (?, ?{', ?' * len(names)})",
                   (e.id, _sql_time(e.time), *(_sql_value(e.attributes[n]) for n in names)))
        db.executemany("INSERT OR IGNORE INTO event_object VALUES (?, ?, ?)", [(e.id, o, q) for o, q in e.relationships])
        counts["events"] += 1
        counts["e2o"] += len(e.relationships)
    for o in objects:
        t = f"object_{mapped('object', o.type)}"
        for name, _, v in o.changes:
            types.see(types.objects, o.type, name, v)
        ensure(t, "ocel_id TEXT, ocel_time TIMESTAMP, ocel_changed_field TEXT",
               {n: None for n, _, _ in o.changes}, types.objects.get(o.type, {}))
        db.execute("INSERT INTO object VALUES (?, ?)", (o.id, o.type))
        # The relational format lists an object by a row with no changed field (its initial
        # state: here empty, every value is a time-stamped change below).
        db.execute(f"INSERT INTO {_ident(t)} (ocel_id, ocel_time) VALUES (?, ?)", (o.id, "1970-01-01 00:00:00.000000"))
        for name, when, v in o.changes:
            db.execute(f"INSERT INTO {_ident(t)} (ocel_id, ocel_time, ocel_changed_field, {_ident(name)}) VALUES (?, ?, ?, ?)",
                       (o.id, _sql_time(when), name, _sql_value(v)))
        db.executemany("INSERT OR IGNORE INTO object_object VALUES (?, ?, ?)", [(o.id, t2, q) for t2, q in o.relationships])
        counts["objects"] += 1
        counts["o2o"] += len(o.relationships)
        counts["changes"] += len(o.changes)
    db.commit()
    db.close()
    return counts


def _sql_time(when) -> str:
    return time_text(when).replace("T", " ").rstrip("Z")


def _sql_value(v: Any) -> Any:
    if isinstance(v, (bool, int, float)):
        return v
    return value_text(v)
