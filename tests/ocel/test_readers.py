"""Every OCEL encoding in the shared data reads, and the encodings of one log agree."""

from __future__ import annotations

import json

import pytest

from tests.importers.helpers import tower
from tower.ocel.readers import UnreadableLog, read


def _shape(log):
    return (sorted((e.id, e.type, e.time.isoformat(), sorted(e.relationships)) for e in log.events),
            sorted((o.id, o.type, sorted(o.relationships)) for o in log.objects.values()))


def test_the_three_ocel20_encodings_of_the_pm4py_example_read_alike(shared_data):
    folder = shared_data / "ocel"
    as_json = read(folder / "pm4py_ocel20_example.jsonocel")
    as_xml = read(folder / "pm4py_ocel20_example.xmlocel")
    as_sqlite = read(folder / "pm4py_ocel20_example.sqlite")
    assert as_json.version == as_xml.version == as_sqlite.version == "2.0"
    # pm4py wrote the XML and SQLite files' times in its local zone without saying so (they
    # read an hour off the JSON's UTC): compare everything but the times.
    for other in (as_xml, as_sqlite):
        events, objects = _shape(other)
        assert [(i, t, r) for i, t, _, r in events] == [(i, t, r) for i, t, _, r in _shape(as_json)[0]]
        assert objects == _shape(as_json)[1]
    assert len(as_json.events) == 13 and len(as_json.objects) == 9


def test_the_ocel10_json_and_xml_of_the_pm4py_example_read_alike(shared_data):
    folder = shared_data / "ocel"
    as_json, as_xml = read(folder / "pm4py_example_log.jsonocel"), read(folder / "pm4py_example_log.xmlocel")
    assert as_json.version == as_xml.version == "1.0"
    assert _shape(as_json) == _shape(as_xml)
    raw = json.loads((folder / "pm4py_example_log.jsonocel").read_text())
    assert len(as_json.events) == len(raw["ocel:events"])


def test_a_sqlite_log_with_extra_tables_and_static_objects_reads(shared_data):
    log = read(shared_data / "ocel" / "ocelescope_pallet-logistics-v0.9.sqlite")
    assert len(log.events) == 14 and {o.type for o in log.objects.values()} == {"Item", "Order", "Pallet", "Vehicle"}


def test_a_file_that_is_not_a_log_is_refused_with_the_reason(tmp_path):
    bad = tmp_path / "x.jsonocel"
    bad.write_text("{not json")
    with pytest.raises(UnreadableLog, match="x.jsonocel is not a readable OCEL log"):
        read(bad)


def test_an_activity_missing_from_the_mapping_becomes_a_dead_letter(shared_data, db_url, tmp_path, monkeypatch, capsys):
    mapping = tmp_path / "m.yaml"
    mapping.write_text("name: partial\norder_prefix: 'EX-'\nobjects: {order: order, line: element, shipment: delivery}\n"
                       "activities:\n  Create Order: placed\n")
    code, out = tower(monkeypatch, capsys, db_url, "import", "ocel",
                      str(shared_data / "ocel" / "pm4py_example_log.jsonocel"), "--mapping", str(mapping))
    assert code == 1
    assert "rejected" in out and "is not in the mapping 'partial'" in out
    import sqlalchemy as sa

    engine = sa.create_engine(db_url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        orders = conn.execute(sa.text("SELECT count(*) FROM orders")).scalar_one()
        letters = conn.execute(sa.text("SELECT count(*) FROM dead_letters WHERE stream = 'ocel'")).scalar_one()
    engine.dispose()
    assert orders >= 1 and letters >= 1


def test_a_log_tower_did_not_write_needs_a_mapping(shared_data, db_url, monkeypatch, capsys):
    from tower.commands.main import main

    monkeypatch.setenv("TOWER_DATABASE_URL", db_url)
    assert main(["import", "ocel", str(shared_data / "ocel" / "pm4py_ocel20_example.jsonocel")]) == 1
    assert "give --mapping FILE" in capsys.readouterr().err
