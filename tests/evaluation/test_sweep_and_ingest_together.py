"""The SLA sweep and ingest run at the same time without a deadlock.

Seen live: `DeadlockDetected` between the sweep and a collector on `dirty_orders`. Ingest marks
its orders in `dirty_orders` and then rewrites their projections in `orders`; the sweep moved
`orders.sla_state` first and marked `dirty_orders` after, each in its own row order, so the
two could each hold what the other waited for.
"""

from __future__ import annotations

import random
import threading
from datetime import datetime, timedelta, timezone

import sqlalchemy as sa

from tests.store.events import at
from tower.evaluation.sweep import run_sweep
from tower.rules.policy import cached
from tower.store import ingest

ORDERS = [f"SO-DL{n:03d}" for n in range(80)]
ROUNDS = 25


def _placed(order_id: str) -> list[dict]:
    return [dict(source="erp", source_event_id=f"{order_id}:placed", kind="placed", order_id=order_id,
                 occurred_at=at(0), attrs=dict(customer_id="C-1", customer_name="Deadlock Test Co",
                                               warehouse="DAL-1", region="South", channel="web",
                                               lines=[dict(line_no=1, sku="SKU-1", qty=2, unit_price=5)])),
            dict(source="erp", source_event_id=f"{order_id}:rel", kind="released", order_id=order_id,
                 occurred_at=at(0.5))]


def _due_again(conn, now: datetime, rng: random.Random) -> None:
    """Every order's clock crossed its due time again; some are still marked dirty, some not."""
    conn.execute(sa.text(
        "UPDATE orders SET next_check_at = :past, at_risk_at = :past, due_at = :past, "
        "sla_state = 'on_track', held_on = NULL WHERE order_id = ANY(:ids)"),
        {"past": now - timedelta(hours=1), "ids": ORDERS})
    conn.execute(sa.text("DELETE FROM dirty_orders WHERE order_id = ANY(:ids)"),
                 {"ids": rng.sample(ORDERS, len(ORDERS) // 2)})


def test_the_sweep_and_ingest_never_deadlock_on_the_same_orders(engine):
    rng = random.Random(5)
    with engine.begin() as conn:
        result = ingest(conn=conn, milestones=[m for o in ORDERS for m in _placed(o)])
        assert not result.rejected
    now = datetime.now(timezone.utc)
    failures: list[BaseException] = []
    for round_no in range(ROUNDS):
        with engine.begin() as conn:
            _due_again(conn, now, rng)
        batch = [dict(source="wms", source_event_id=f"{o}:pick{round_no}", kind="pick_started", order_id=o,
                      occurred_at=at(1 + round_no / 100), line_no=1, attrs=dict(qty=1))
                 for o in rng.sample(ORDERS, len(ORDERS))]
        start = threading.Barrier(2)

        # Bound as defaults: each round's threads are joined before the next round's are made.
        def collect(start: threading.Barrier = start, batch: list[dict] = batch) -> None:
            start.wait(10)
            with engine.begin() as conn:
                ingest(conn=conn, milestones=batch)

        def sweep(start: threading.Barrier = start) -> None:
            start.wait(10)
            run_sweep(engine, policy=cached(), now=now)

        def guarded(work) -> None:
            try:
                work()
            except BaseException as exc:  # noqa: BLE001 - reported below with its round
                failures.append(exc)

        threads = [threading.Thread(target=guarded, args=(w,)) for w in (collect, sweep)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not any(t.is_alive() for t in threads), f"round {round_no} hung"
        assert failures == [], f"round {round_no}: {failures[0]!r}"
    with engine.connect() as conn:
        picked = conn.execute(sa.text("SELECT count(*) FROM milestones WHERE kind = 'pick_started'")).scalar_one()
    assert picked == len(ORDERS) * ROUNDS  # every batch landed, none twice
