"""An order's timeline says how each fact reached tower: an ASN through the 3PL's EDI 856, a
carrier scan through a signed webhook, a push to the API, the ERP's facts through its poll —
each delivered through the real intake (EDI loader, webhook endpoint and inbox job, API push)."""

from __future__ import annotations

import json
import time
from datetime import datetime, timezone

from collectors.carrier_webhooks import worker
from collectors.edi import partners
from collectors.edi.intake import load_bytes
from tower import config
from tower.app import create_app
from tower.data import intake, orders
from tower.data.channels import channel
from tower.data.scope import Scope
from tower.intake import signatures
from tower.sandbox.edi_partner import _856, _st, _x12
from tower.store.ingest import ingest
from tower.store.milestone import Milestone

NOW = datetime(2026, 1, 5, 9, 30, tzinfo=timezone.utc)
ORDER = "SO-CH-1"


def test_edi_webhook_api_and_poll_facts_show_their_channel_on_the_timeline(engine, db_url, tmp_path):
    with engine.begin() as conn:
        ingest(conn=conn, milestones=[Milestone(
            source="erp", source_event_id="so-ch-1:placed", kind="placed", order_id=ORDER,
            occurred_at=datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc),
            attrs={"warehouse": "DAL-1", "lines": [{"line_no": 1, "sku": "A-1", "qty": 2, "unit_price": 5.0}]})])
        asn = {"shipped_at": "2026-01-05T09:00:00Z", "shipment_no": "SH-CH-1", "tracking_number": "TRK-CH-1",
               "order_ref": ORDER, "lines": [{"ref_line": 1, "sku": "A-1", "qty": 2}]}
        summary = load_bytes(conn=conn, data=_x12("sandbox-3pl", 41, "SH", [_st("856", 1, _856(asn), None)]),
                             name="asn.x12", registry=partners.load(), now=NOW)
        assert summary.accepted == 1, summary
        intake.push(conn=conn, records=[{"source": "erp", "source_event_id": "so-ch-1:priced", "kind": "priced",
                                         "order_id": ORDER, "occurred_at": datetime(2026, 1, 5, 8, 5, tzinfo=timezone.utc),
                                         "attrs": {}}], by="admin", now=NOW)

    settings = config.load({"TOWER_DATA_DIR": str(tmp_path), "TOWER_SECRET_KEY": "test-key",
                            "TOWER_WEBHOOK_SECRETS": "generic=s3cret"})
    client = create_app(settings, db_url=db_url).server.test_client()
    body = json.dumps({"event_id": "EV-CH-1", "tracking_number": "TRK-CH-1", "code": "IN_TRANSIT",
                       "occurred_at": "2026-01-05T09:20:00Z", "carrier": "SBXC",
                       "updated_at": "2026-01-05T09:21:00Z"}).encode()
    answer = client.post("/hooks/carrier/generic", data=body, content_type="application/json",
                         headers=signatures.sign("generic", "s3cret", body, int(time.time())))
    assert answer.status_code in (200, 202), answer.get_data(as_text=True)
    assert worker.process(engine, now=lambda: NOW) == 1

    with engine.begin() as conn:
        tl = orders.timeline(ORDER, conn=conn, scope=Scope.everything())
    ways = dict(zip(tl["kind"], tl["channel"]))
    assert ways["placed"] == "via ERP poll"
    assert ways["priced"] == "via API (pushed by admin)"
    assert ways["shipped"] == "via EDI 856 from partner sandbox-3pl"
    assert ways["in_transit"] == "via carrier webhook (generic)"


def test_the_channel_words_for_every_way_in():
    assert channel("wms", {"via": "edi", "partner": "acme", "edi": "EDIFACT DESADV 1/-/2"}) == \
        "via EDI DESADV from partner acme"
    assert channel("carrier", {"via": "webhook", "provider": "easypost"}) == "via carrier webhook (easypost)"
    assert channel("finance", None) == "via finance poll"
    assert channel("import", {}) == "via import"
    assert channel("acme-mes", {}) == "from acme-mes"
