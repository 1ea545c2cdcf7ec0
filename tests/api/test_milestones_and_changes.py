"""POST /api/v1/milestones (idempotent, per-record reasons, dead letters) and the change feed
(every change at least once, in commit-safe order, across a restart of the reader)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from tests.api.conftest import World
from tower import clock


def _placed(order_id: str, event: str) -> dict:
    at = clock.now() - timedelta(hours=1)
    return {"source": "erp", "source_event_id": event, "kind": "placed", "occurred_at": at.isoformat(),
            "order_id": order_id, "attrs": {"customer_id": "C-API", "customer_name": "Pushed Co",
                                            "warehouse": "DAL-1", "region": "south", "currency": "USD",
                                            "lines": [{"line_no": 1, "sku": "SKU-1", "qty": 3, "unit_price": 10}]}}


def _milestone_count(world: World, order_id: str) -> int:
    with world.engine.connect() as conn:
        return conn.execute(sa.text("SELECT count(*) FROM milestones WHERE order_id = :o"), {"o": order_id}).scalar_one()


def test_pushing_the_same_milestones_twice_stores_them_once(world: World) -> None:
    order_id = f"SO-API-{uuid.uuid4().hex[:6]}"
    batch = [_placed(order_id, f"api-{order_id}-1")]
    first = world.client().post("/api/v1/milestones", json=batch, headers=world.auth("admin"))
    second = world.client().post("/api/v1/milestones", json=batch, headers=world.auth("admin"))
    assert first.status_code == 200 and first.get_json()["inserted"] == 1
    assert second.status_code == 200 and second.get_json() == {"inserted": 0, "duplicates": 1, "parked": 0,
                                                               "rejected": []}
    assert _milestone_count(world, order_id) == 1
    found = world.client().get(f"/api/v1/orders/{order_id}", headers=world.auth("admin"))
    assert found.status_code == 200 and found.get_json()["order"]["customer_name"] == "Pushed Co"


def test_refused_records_come_back_with_a_reason_and_become_dead_letters(world: World) -> None:
    order_id = f"SO-API-{uuid.uuid4().hex[:6]}"
    bad = {**_placed(order_id, f"api-{order_id}-bad"), "kind": "teleported"}
    good = _placed(order_id, f"api-{order_id}-good")
    answer = world.client().post("/api/v1/milestones", json=[good, bad], headers=world.auth("admin")).get_json()
    assert answer["inserted"] == 1
    assert [r["index"] for r in answer["rejected"]] == [1] and "teleported" in answer["rejected"][0]["reason"]
    with world.engine.connect() as conn:
        letters = conn.execute(sa.text("SELECT reason FROM dead_letters WHERE source = 'api' AND record_key = :k"),
                               {"k": f"erp:api-{order_id}-bad"}).scalars().all()
    assert len(letters) == 1 and "admin1" in letters[0]


def test_pushing_needs_the_write_scope(world: World) -> None:
    answer = world.client().post("/api/v1/milestones", json=[_placed("SO-X", "x-1")], headers=world.auth("supervisor"))
    assert answer.status_code == 403


def _read_all(world: World, cursor: str | None) -> tuple[list[tuple[str, str]], str]:
    seen: list[tuple[str, str]] = []
    for _ in range(100):
        query = {"limit": "50", **({"cursor": cursor} if cursor else {})}
        page = world.client().get("/api/v1/changes", query_string=query, headers=world.auth("admin")).get_json()
        seen += [(c["entity"], c["id"]) for c in page["items"]]
        cursor = page["next_cursor"]
        if not page["items"]:
            return seen, cursor
    raise AssertionError("the feed did not end")


def test_the_change_feed_delivers_every_change_across_a_restart_of_the_reader(world: World) -> None:
    _, cursor = _read_all(world, None)   # a reader catches up, keeps its cursor, and stops
    first, second = f"SO-API-{uuid.uuid4().hex[:6]}", f"SO-API-{uuid.uuid4().hex[:6]}"
    world.client().post("/api/v1/milestones", json=[_placed(first, f"feed-{first}")], headers=world.auth("admin"))
    target = world.client().get("/api/v1/exceptions?limit=1&status=open", headers=world.auth("admin")).get_json()["items"][0]
    acted = world.client().post("/api/v1/exceptions/actions", headers=world.auth("admin"),
                                json={"exception_ids": [target["exception_id"]], "action": "acknowledge"})
    assert acted.get_json()["changed"] == 1
    world.client().post("/api/v1/milestones", json=[_placed(second, f"feed-{second}")], headers=world.auth("admin"))
    seen, _ = _read_all(world, cursor)   # restarted with the kept cursor
    assert ("order", first) in seen and ("order", second) in seen
    assert ("exception", str(target["exception_id"])) in seen


def test_a_change_committed_after_a_later_one_is_still_delivered(world: World) -> None:
    """Ids follow statement order, not commit order: the feed must not skip the slow one."""
    _, cursor = _read_all(world, None)
    slow, fast = world.seeded.orders[1].order_id, world.seeded.orders[2].order_id
    with world.engine.connect() as slow_conn:
        slow_tx = slow_conn.begin()
        slow_conn.execute(sa.text("UPDATE orders SET reason = reason WHERE order_id = :o"), {"o": slow})
        with world.engine.begin() as fast_conn:
            fast_conn.execute(sa.text("UPDATE orders SET reason = reason WHERE order_id = :o"), {"o": fast})
        while_open, cursor_while_open = _read_all(world, cursor)
        assert ("order", fast) not in while_open   # held back until the older transaction ends
        slow_tx.commit()
    after, _ = _read_all(world, cursor_while_open)
    assert ("order", slow) in after and ("order", fast) in after


def test_a_scoped_reader_sees_only_its_warehouses_changes(world: World) -> None:
    foreign = world.orders_of("ATL-1")[0].order_id
    with world.engine.begin() as conn:
        conn.execute(sa.text("UPDATE orders SET reason = reason WHERE order_id = :o"), {"o": foreign})
    page = world.client().get("/api/v1/changes?limit=5000", headers=world.auth("scoped")).get_json()
    assert page["items"] and ("order", foreign) not in {(c["entity"], c["id"]) for c in page["items"]}
