"""Every stream of every source has recorded payloads and pure mapping tests, and mapping them
touches no socket, no database and no clock.

The per-stream tests live in `tests/collectors/<system>/test_<stream>_mapping.py`; the payloads
in `tests/collectors/<system>/payloads/<stream>.json` (`python -m tests.collectors.record_payloads`).
"""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import sqlalchemy

from collectors import registry
from collectors.stream import SkipRecord
from tests.collectors.payloads import cases, record

HERE = Path(__file__).resolve().parent
STREAMS = sorted(registry.stream_classes().items())


@pytest.mark.parametrize("key, cls", STREAMS, ids=[key for key, _ in STREAMS])
def test_every_stream_of_every_source_has_recorded_payloads_and_its_own_mapping_tests(key, cls):
    assert (HERE / cls.source / "payloads" / f"{cls.name}.json").is_file(), \
        f"{key}: no recorded payloads; add its cases to tests/collectors/record_payloads.py and re-record"
    assert (HERE / cls.source / f"test_{cls.name}_mapping.py").is_file(), f"{key}: no mapping tests"


@pytest.mark.parametrize("key, cls", STREAMS, ids=[key for key, _ in STREAMS])
def test_every_stream_has_good_malformed_and_drifted_payloads_recorded(key, cls):
    names = cases(cls.source, cls.name)
    assert [n for n in names if not n.startswith(("malformed_", "drift_"))], key
    assert {"malformed_missing_field", "malformed_wrong_type"} <= set(names), key
    assert [n for n in names if n.startswith("malformed_bad_date_")], key
    assert "drift_schema_v2" in names, key


class _NoInputOutput(AssertionError):
    pass


def _refuse(*_args, **_kwargs):
    raise _NoInputOutput("a mapping reached for a socket, a database or the clock")


@pytest.mark.parametrize("key, cls", STREAMS, ids=[key for key, _ in STREAMS])
def test_mapping_a_recorded_payload_opens_no_socket_no_database_and_reads_no_clock(key, cls, monkeypatch):
    from tower import clock

    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    monkeypatch.setattr(sqlalchemy, "create_engine", _refuse)
    monkeypatch.setattr(clock, "now", _refuse)
    stream = cls(None)  # no client: there is nothing to fetch with
    mapped = skipped = 0
    for name in cases(cls.source, cls.name):
        try:
            stream.map(record(cls.source, cls.name, name))
            mapped += 1
        except SkipRecord:
            skipped += 1
    assert mapped and skipped, (key, mapped, skipped)
