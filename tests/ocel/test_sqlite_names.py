"""The SQLite encoding takes its table and column names from the log's own type and attribute
names: a name with a double quote in it is a column name, never SQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from tower.ocel.model import Event, Object
from tower.ocel.readers import read
from tower.ocel.writers import write

AT = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def test_an_attribute_name_with_a_quote_is_stored_as_that_column(tmp_path):
    hostile = 'note" TEXT); DROP TABLE event; --'
    events = [Event(id="e1", type="placed", time=AT, attributes={hostile: "fragile"},
                    relationships=[("o1", "order")])]
    objects = [Object(id="o1", type="order", changes=[(hostile, AT, "kept")])]
    write(tmp_path / "log.sqlite", "sqlite", events, objects)
    db = sqlite3.connect(tmp_path / "log.sqlite")
    assert db.execute("SELECT ocel_id FROM event").fetchall() == [("e1",)]
    event_columns = [r[1] for r in db.execute('PRAGMA table_info("event_Placed")')]
    assert hostile in event_columns
    assert db.execute('SELECT "note"" TEXT); DROP TABLE event; --" FROM "event_Placed"').fetchall() == [("fragile",)]


def test_a_type_and_an_attribute_named_like_sql_read_back_as_those_names(tmp_path):
    hostile = 'note" TEXT); DROP TABLE event; --'
    kind = 'placed"; DROP TABLE event; --'
    events = [Event(id="e1", type=kind, time=AT, attributes={hostile: "fragile"}, relationships=[("o1", "order")])]
    objects = [Object(id="o1", type='order"--', changes=[(hostile, AT, "kept")])]
    write(tmp_path / "log.sqlite", "sqlite", events, objects)
    log = read(tmp_path / "log.sqlite")
    assert [(e.id, e.type, e.attributes) for e in log.events] == [("e1", kind, {hostile: "fragile"})]
    assert [(k, v) for k, _, v in log.objects["o1"].changes] == [(hostile, "kept")]


def test_a_file_whose_type_map_names_a_table_with_a_quote_is_read_as_that_table(tmp_path):
    """A file not written by tower: the table of an event type is named by the file's own map."""
    db = sqlite3.connect(tmp_path / "odd.sqlite")
    db.executescript('''
        CREATE TABLE event (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE object (ocel_id TEXT, ocel_type TEXT);
        CREATE TABLE event_object (ocel_event_id TEXT, ocel_object_id TEXT, ocel_qualifier TEXT);
        CREATE TABLE object_object (ocel_source_id TEXT, ocel_target_id TEXT, ocel_qualifier TEXT);
        CREATE TABLE event_map_type (ocel_type TEXT, ocel_type_map TEXT);
        CREATE TABLE object_map_type (ocel_type TEXT, ocel_type_map TEXT);
        INSERT INTO event VALUES ('e1', 'placed');
        INSERT INTO object VALUES ('o1', 'order');
        INSERT INTO event_object VALUES ('e1', 'o1', 'order');
        INSERT INTO event_map_type VALUES ('placed', 'Pl"aced');
        CREATE TABLE "event_Pl""aced" (ocel_id TEXT, ocel_time TIMESTAMP, "wei""ght" REAL);
        INSERT INTO "event_Pl""aced" VALUES ('e1', '2026-11-02 09:30:00', 2.5);
    ''')
    db.commit()
    db.close()
    log = read(tmp_path / "odd.sqlite")
    assert [(e.id, e.type, e.time, e.attributes) for e in log.events] == [("e1", "placed", AT, {'wei"ght': 2.5})]
