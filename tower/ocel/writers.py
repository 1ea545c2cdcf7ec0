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
import tempfile
from pathlib import Path
from typing import IO, Any, Iterable
from xml.sax.saxutils import escape, quoteattr

import orjson
import sqlalchemy as sa

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


class _Declared(sa.types.UserDefinedType):
    """A column declared with the relational format's own type name (TEXT, TIMESTAMP, ...) and
    values passed through as they are: the writer has already put them in the format's text."""
    cache_ok = True

    def __init__(self, spec: str) -> None:
        self.spec = spec

    def get_col_spec(self, **_: Any) -> str:
        return self.spec


_SQL_TYPES = {"string": "TEXT", "time": "TIMESTAMP", "integer": "INTEGER", "float": "REAL", "boolean": "BOOLEAN"}
_BATCH = 1000  # rows per executemany: memory holds one batch per table, never the log


def _sqlite(path: Path, events: Iterable[Event], objects: Iterable[Object]) -> dict[str, int]:
    """Table and column names of the relational format come from the log's own type and
    attribute names, and SQL cannot bind identifiers: SQLAlchemy's schema objects quote them
    and bind every value, so no statement here is built from text. Events and objects are
    spooled first because a type's table is created once, with every attribute it will hold."""
    if path.exists():
        path.unlink()
    types, counts = _Types(), _counts()
    maps: dict[str, dict[str, str]] = {"event": {}, "object": {}}

    def mapped(kind: str, type_name: str) -> str:
        if type_name not in maps[kind]:
            used = {v.casefold() for v in maps[kind].values()}
            base = candidate = table_name(type_name)
            n = 2
            while candidate.casefold() in used:
                candidate, n = f"{base}_{n}", n + 1
            maps[kind][type_name] = candidate
        return maps[kind][type_name]

    with tempfile.TemporaryFile("w+b") as ev, tempfile.TemporaryFile("w+b") as ob:
        for e in events:
            mapped("event", e.type)
            types.events.setdefault(e.type, {})
            for k, v in e.attributes.items():
                types.see(types.events, e.type, k, v)
            ev.write(orjson.dumps([e.id, e.type, _sql_time(e.time),
                                   {k: _sql_value(v) for k, v in e.attributes.items()},
                                   list(e.relationships)]) + b"\n")
            counts["events"] += 1
            counts["e2o"] += len(e.relationships)
        for o in objects:
            mapped("object", o.type)
            types.objects.setdefault(o.type, {})
            for name, _, v in o.changes:
                types.see(types.objects, o.type, name, v)
            ob.write(orjson.dumps([o.id, o.type, [[n, _sql_time(w), _sql_value(v)] for n, w, v in o.changes],
                                   list(o.relationships)]) + b"\n")
            counts["objects"] += 1
            counts["o2o"] += len(o.relationships)
            counts["changes"] += len(o.changes)
        ev.seek(0)
        ob.seek(0)
        _fill(path, types, maps, ev, ob)
    return counts


def _fill(path: Path, types: _Types, maps: dict[str, dict[str, str]], ev: IO[bytes], ob: IO[bytes]) -> None:
    meta = sa.MetaData()
    text, stamp = _Declared("TEXT"), _Declared("TIMESTAMP")
    event = sa.Table("event", meta, sa.Column("ocel_id", text, primary_key=True), sa.Column("ocel_type", text))
    obj = sa.Table("object", meta, sa.Column("ocel_id", text, primary_key=True), sa.Column("ocel_type", text))
    e2o = sa.Table("event_object", meta, *(sa.Column(c, text, primary_key=True)
                                           for c in ("ocel_event_id", "ocel_object_id", "ocel_qualifier")))
    o2o = sa.Table("object_object", meta, *(sa.Column(c, text, primary_key=True)
                                            for c in ("ocel_source_id", "ocel_target_id", "ocel_qualifier")))
    type_maps = {kind: sa.Table(f"{kind}_map_type", meta, sa.Column("ocel_type", text, primary_key=True),
                                sa.Column("ocel_type_map", text)) for kind in ("event", "object")}

    def typed(prefix: str, suffix: str, base: list[str], attrs: dict[str, str]) -> sa.Table:
        return sa.Table(f"{prefix}_{suffix}", meta, *(sa.Column(c, stamp if c == "ocel_time" else text) for c in base),
                        *(sa.Column(n, _Declared(_SQL_TYPES[t])) for n, t in attrs.items()))

    event_tables = {t: typed("event", maps["event"][t], ["ocel_id", "ocel_time"], a) for t, a in types.events.items()}
    object_tables = {t: typed("object", maps["object"][t], ["ocel_id", "ocel_time", "ocel_changed_field"], a)
                     for t, a in types.objects.items()}
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as db:
            meta.create_all(db)
            batches = _Batches(db)
            for kind, table in type_maps.items():
                for type_name, suffix in maps[kind].items():
                    batches.add(table, {"ocel_type": type_name, "ocel_type_map": suffix})
            for line in ev:
                eid, etype, when, attrs, rels = orjson.loads(line)
                batches.add(event, {"ocel_id": eid, "ocel_type": etype})
                table = event_tables[etype]
                row = dict.fromkeys(table.c.keys()) | attrs | {"ocel_id": eid, "ocel_time": when}
                batches.add(table, row)
                for oid, qualifier in rels:
                    batches.add(e2o,
                                {"ocel_event_id": eid, "ocel_object_id": oid, "ocel_qualifier": qualifier}, or_ignore=True)
            for line in ob:
                oid, otype, changes, rels = orjson.loads(line)
                batches.add(obj, {"ocel_id": oid, "ocel_type": otype})
                table = object_tables[otype]
                empty = dict.fromkeys(table.c.keys())
                # The relational format lists an object by a row with no changed field (its initial
                # state: here empty, every value is a time-stamped change below).
                batches.add(table, empty | {"ocel_id": oid, "ocel_time": "1970-01-01 00:00:00.000000"})
                for name, when, value in changes:
                    batches.add(table, empty | {"ocel_id": oid, "ocel_time": when,
                                                         "ocel_changed_field": name, name: value})
                for target, qualifier in rels:
                    batches.add(o2o,
                                {"ocel_source_id": oid, "ocel_target_id": target, "ocel_qualifier": qualifier}, or_ignore=True)
            batches.flush()
    finally:
        engine.dispose()


class _Batches:
    """Rows waiting per insert statement, executed _BATCH at a time."""

    def __init__(self, db: sa.Connection) -> None:
        self.db = db
        self.waiting: dict[str, tuple[sa.Insert, list[dict[str, Any]]]] = {}

    def add(self, table: sa.Table, row: dict[str, Any], *, or_ignore: bool = False) -> None:
        key = f"{table.name}:{or_ignore}"
        if key not in self.waiting:
            statement = table.insert().prefix_with("OR IGNORE") if or_ignore else table.insert()
            self.waiting[key] = (statement, [])
        statement, rows = self.waiting[key]
        rows.append(row)
        if len(rows) >= _BATCH:
            self.db.execute(statement, rows)
            rows.clear()

    def flush(self) -> None:
        for statement, rows in self.waiting.values():
            if rows:
                self.db.execute(statement, rows)
                rows.clear()


def _sql_time(when) -> str:
    return time_text(when).replace("T", " ").rstrip("Z")


def _sql_value(v: Any) -> Any:
    if isinstance(v, (bool, int, float)):
        return v
    return value_text(v)
