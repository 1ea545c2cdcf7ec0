"""Conservation under faults: whatever the sources do, every record each system emitted ends
up in the store exactly once, or in dead letters with a reason, and every order whose records
are sound projects to the sandbox's ground truth."""

from __future__ import annotations

import sqlalchemy as sa

from collectors import registry
from collectors.runner import replay_dead_letters
from tests.collectors.conftest import collect_round, collect_until_quiet, streams_for
from tests.collectors.ledger_check import check_conservation, check_truth

NOISE = {"duplicates": 0.3, "out_of_order": 120, "malformed": 0.04, "slow_ms": 15}
# Renames the sandbox's schema drift makes; "the fix" a maintainer would add as aliases.
DRIFT_FIX = {"orderNumber": "order_no", "order_reference": "order_ref", "trackingNumber": "tracking_number"}


def test_every_emitted_record_is_stored_once_or_dead_lettered_under_every_fault(engine, start_sandbox):
    sb = start_sandbox(days=30, orders_per_day=30, faults={s: dict(NOISE) for s in ("erp", "wms", "carrier", "finance")})
    streams = streams_for(sb)
    statuses = []
    # A simulated day in 40-minute steps, with outages, 429 storms and drift switched in turn.
    timeline = {2: ("carrier", {"outage": "503"}), 4: ("carrier", {"outage": None}),
                5: ("erp", {"outage": "refused"}), 7: ("erp", {"outage": None}),
                8: ("all", {"rate_limit": 4.0}), 10: ("all", {"rate_limit": None}),
                11: ("wms", {"drift": True}), 12: ("finance", {"drift": True}),
                14: ("wms", {"drift": False}), 15: ("finance", {"drift": False}),
                16: ("carrier", {"drift": True}), 17: ("carrier", {"drift": False})}
    for step in range(20):
        if step in timeline:
            system, change = timeline[step]
            sb.set_faults(system, **change)
        sb.advance(minutes=40)
        statuses += [(r.source, r.status) for r in collect_round(engine, streams, sb.now)]
    # Faults really bit: some runs failed while a source was down, and nothing crashed.
    assert ("carrier", "failed") in statuses and ("erp", "failed") in statuses
    sb.clear_faults()
    sb.advance(minutes=10)  # anything held back by out_of_order is published by now
    collect_until_quiet(engine, streams, sb.now)

    def reasons(status: str | None = None) -> list[str]:
        with engine.connect() as conn:
            return conn.execute(sa.text("SELECT reason FROM dead_letters WHERE CAST(:s AS text) IS NULL OR status = :s"),
                                {"s": status}).scalars().all()

    def drifted(r: str) -> bool:
        return any(name in r for name in DRIFT_FIX)

    assert any(drifted(r) for r in reasons()), "schema drift should have produced dead letters"
    assert any("not a valid" in r or "must be" in r or "missing field" in r for r in reasons("open")), \
        "malformed records should be dead letters"

    # The mapping fix for the drift, then replay: drifted letters come in; malformed ones stay.
    fixed = replay_dead_letters(engine, lambda s, n: registry.resolve_stream(s, n, aliases=DRIFT_FIX))
    assert fixed.failed > 0
    assert not [r for r in reasons("open") if drifted(r)]

    summary = check_conservation(engine, sb)
    assert all(v.get("dead_lettered", 0) > 0 for v in summary.values()), summary
    compared = check_truth(engine, sb)
    assert compared > 200
