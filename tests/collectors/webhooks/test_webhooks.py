"""POST /hooks/carrier/<provider>: signature, timestamp window, replay, duplicates, malformed
bodies, a burst of 1,000 events; then the collector's inbox job maps them to milestones."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from collectors.carrier_webhooks import worker
from tower import config
from tower.app import create_app
from tower.data import edi as edi_data
from tower.intake import signatures as signature

SECRETS = "generic=s3cret-generic,easypost=s3cret-easypost"


@pytest.fixture
def client(engine, db_url, tmp_path):
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key",
                            "TOWER_WEBHOOK_SECRETS": SECRETS, "TOWER_WEBHOOK_TOLERANCE": "300"})
    return create_app(settings, db_url=db_url).server.test_client()


def _event(n: int, code: str = "IN_TRANSIT") -> dict:
    return {"event_id": f"EV-{n}", "tracking_number": f"TRK-{n % 50}", "code": code,
            "occurred_at": f"2026-01-05T{n % 24:02d}:{n % 60:02d}:00Z", "carrier": "SBXC",
            "updated_at": "2026-01-05T10:00:00Z"}


def _post(client, provider: str, body: bytes, *, secret: str | None = None, at: int | None = None,
          headers: dict | None = None):
    secrets = dict(p.split("=", 1) for p in SECRETS.split(","))
    signed = signature.sign(provider, secret or secrets.get(provider, "x"), body, at or int(time.time()))
    return client.post(f"/hooks/carrier/{provider}", data=body, content_type="application/json",
                       headers={**signed, **(headers or {})})


def _count(engine, sql: str) -> int:
    with engine.connect() as conn:
        return int(conn.execute(sa.text(sql)).scalar_one())


def test_a_signed_event_is_stored_and_answered_without_a_sign_in(client, engine) -> None:
    answer = _post(client, "generic", json.dumps(_event(1)).encode())
    assert answer.status_code == 202 and answer.get_json() == {"status": "accepted", "event_id": "EV-1"}
    assert _count(engine, "SELECT count(*) FROM webhook_inbox WHERE status = 'new'") == 1
    assert client.get("/integrations").status_code == 302      # the rest of the app still wants a sign-in


def test_a_bad_signature_gets_401_and_writes_nothing_but_a_log_line(client, engine, caplog) -> None:
    with caplog.at_level(logging.WARNING, logger="tower.hooks"):
        answer = _post(client, "generic", json.dumps(_event(2)).encode(), secret="wrong")
    assert answer.status_code == 401 and "s3cret" not in answer.get_data(as_text=True)
    assert any("signature does not match" in r.getMessage() for r in caplog.records)
    assert _count(engine, "SELECT count(*) FROM webhook_inbox") == 0
    assert _count(engine, "SELECT count(*) FROM dead_letters") == 0


def test_a_body_changed_after_signing_is_refused(client, engine) -> None:
    body = json.dumps(_event(3)).encode()
    signed = signature.sign("generic", "s3cret-generic", body, int(time.time()))
    answer = client.post("/hooks/carrier/generic", data=body.replace(b"IN_TRANSIT", b"DELIVERED"),
                         content_type="application/json", headers=signed)
    assert answer.status_code == 401 and _count(engine, "SELECT count(*) FROM webhook_inbox") == 0


def test_a_signed_timestamp_outside_the_window_is_refused(client, engine) -> None:
    old = int(time.time()) - 301
    assert _post(client, "generic", json.dumps(_event(4)).encode(), at=old).status_code == 401
    future = int(time.time()) + 3600
    assert _post(client, "generic", json.dumps(_event(4)).encode(), at=future).status_code == 401
    assert _post(client, "generic", json.dumps(_event(4)).encode(), at=int(time.time()) - 200).status_code == 202
    assert _count(engine, "SELECT count(*) FROM webhook_inbox") == 1


def test_a_replayed_or_retried_event_is_stored_once(client, engine) -> None:
    body = json.dumps(_event(5)).encode()
    stamp = int(time.time())
    first, again = _post(client, "generic", body, at=stamp), _post(client, "generic", body, at=stamp)
    resent = _post(client, "generic", json.dumps({**_event(5), "note": "retry"}).encode())
    assert [a.get_json()["status"] for a in (first, again, resent)] == ["accepted", "duplicate", "duplicate"]
    assert [a.status_code for a in (first, again, resent)] == [202, 200, 200]
    assert _count(engine, "SELECT count(*) FROM webhook_inbox") == 1


def test_malformed_json_gets_400_and_a_dead_letter_with_the_reason(client, engine) -> None:
    answer = _post(client, "generic", b'{"event_id": "EV-6", "code": ')
    assert answer.status_code == 400 and "not valid JSON" in answer.get_json()["reason"]
    missing = _post(client, "generic", json.dumps({"code": "DELIVERED"}).encode())
    assert missing.status_code == 400 and "event_id" in missing.get_json()["reason"]
    with engine.connect() as conn:
        reasons = conn.execute(sa.text("SELECT source, stream, reason FROM dead_letters ORDER BY 1")).all()
    assert [(s, st) for s, st, _ in reasons] == [("webhooks", "generic"), ("webhooks", "generic")]
    assert _count(engine, "SELECT count(*) FROM webhook_inbox") == 0


def test_an_unknown_provider_is_not_found(client) -> None:
    assert _post(client, "acme", b"{}").status_code == 404


def test_an_easypost_tracker_event_becomes_carrier_milestones(client, engine, shared_data: Path) -> None:
    body = (shared_data / "carrier_api/easypost/fixtures__event-body.json").read_bytes()
    event = json.loads(body)
    assert _post(client, "easypost", body).status_code == 202
    assert _post(client, "easypost", body, secret="wrong").status_code == 401
    assert worker.process(engine) == 1
    # By hand: every tracking detail whose status carries a milestone (pre_transit does not).
    quiet = {"pre_transit", "unknown", "error", "cancelled"}
    expected = [d for d in event["result"]["tracking_details"] if d["status"] not in quiet]
    assert _count(engine, "SELECT count(*) FROM parked_milestones") == len(expected) > 0
    assert _count(engine, "SELECT count(*) FROM webhook_inbox WHERE status = 'done'") == 1


def test_a_burst_of_1000_events_is_answered_and_every_event_lands_once(client, engine) -> None:
    answers = [_post(client, "generic", json.dumps(_event(n)).encode()) for n in range(1000)]
    assert {a.status_code for a in answers} == {202}
    assert _count(engine, "SELECT count(*) FROM webhook_inbox WHERE status = 'new'") == 1000
    assert worker.process(engine, batch=300) == 1000
    stored = _count(engine, "SELECT count(*) FROM milestones") + _count(engine, "SELECT count(*) FROM parked_milestones")
    assert stored == 1000
    assert _count(engine, "SELECT count(*) FROM webhook_inbox WHERE status = 'done'") == 1000
    with engine.connect() as conn:       # what /integrations shows for the provider
        (row,) = edi_data.webhook_providers(conn=conn).itertuples()
    assert (row.provider, row.events, row.waiting, row.dead) == ("generic", 1000, 0, 0)


def test_an_event_the_mapping_cannot_read_is_a_dead_letter_and_replays_after_a_fix(client, engine) -> None:
    from collectors import registry
    from collectors.runner import replay_dead_letters

    assert _post(client, "generic", json.dumps(_event(7, code="TELEPORTED")).encode()).status_code == 202
    worker.process(engine)
    with engine.connect() as conn:
        (reason,) = conn.execute(sa.text("SELECT reason FROM dead_letters WHERE source = 'webhooks'")).one()
    assert "unknown tracking code 'TELEPORTED'" in reason
    assert _count(engine, "SELECT count(*) FROM webhook_inbox WHERE status = 'dead'") == 1
    still = replay_dead_letters(engine, registry.resolve_stream)
    assert (still.replayed, still.failed) == (0, 1)


def test_the_sandbox_carrier_pushed_and_polled_is_one_fact_per_event(client, engine, start_sandbox) -> None:
    from tests.collectors.conftest import collect_until_quiet, streams_for
    from tests.collectors.ledger_check import stored_facts
    from tower.sandbox.webhook_push import push

    sb = start_sandbox(days=2, orders_per_day=20)
    events = [row["record"] for row in sb.ledger("carrier") if row["current"] and not row["defect"]]
    half = events[: len(events) // 2]

    def post(url, content, headers):   # the Flask test client in place of HTTP
        return client.post(url, data=content, headers=headers)

    assert push(half, "", "generic", "s3cret-generic", post=post) == {202: len(half)}
    worker.process(engine)
    collect_until_quiet(engine, streams_for(sb, ["carrier", "wms"]), sb.now)
    stored = stored_facts(engine)
    carrier = {k: n for k, n in stored.items() if k[0] == "carrier"}
    assert set(carrier.values()) == {1}
    assert {("carrier", e["event_id"]) for e in events} <= set(carrier)


def test_a_partner_may_push_an_edi_file_with_its_token_and_it_is_loaded_once(engine, db_url, tmp_path) -> None:
    from collectors.edi import partners
    from tests.collectors.edi.test_inbox import ship_notice
    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key",
                            "TOWER_EDI_UPLOAD_TOKENS": "sandbox-3pl=t0ken-3pl"})
    client = create_app(settings, db_url=db_url).server.test_client()
    body = ship_notice("S7", "SO-7").encode()
    assert client.post("/hooks/edi/sandbox-3pl", data=body).status_code == 401
    assert client.post("/hooks/edi/sandbox-3pl", data=body, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert client.post("/hooks/edi/sandbox-eu", data=body, headers={"Authorization": "Bearer t0ken-3pl"}).status_code == 401
    good = {"Authorization": "Bearer t0ken-3pl"}
    first, again = (client.post("/hooks/edi/sandbox-3pl", data=body, headers=good) for _ in range(2))
    assert (first.status_code, first.get_json()["status"], again.get_json()["status"]) == (202, "queued", "duplicate")
    intake = settings.intake
    assert worker.process(engine, intake=intake, registry=partners.load()) == 1
    with engine.connect() as conn:
        (outcome, via) = conn.execute(sa.text("SELECT outcome, via FROM edi_files")).one()
    assert (outcome, via) == ("accepted", "upload")
    assert _count(engine, "SELECT count(*) FROM milestones WHERE kind = 'shipped'") == 1
    assert list((intake.outbox / "sandbox-3pl").iterdir())          # its 997
