"""The SQLite encoding takes its table and column names from the log's own type and attribute
names: a name with a double quote in it is a column name, never SQL."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone

from tower.ocel.model import Event, Object
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
