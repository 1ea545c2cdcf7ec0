"""The change feed's retention (TOWER_CHANGE_FEED_KEEP_DAYS): old rows are deleted by the
collector process's job, a cursor behind what is kept gets 410 telling the client to resync,
and a cursor at the edge or no cursor at all misses nothing that is kept."""

from __future__ import annotations

import uuid
from datetime import timedelta

import sqlalchemy as sa

from tests.api.conftest import World
from tests.api.test_milestones_and_changes import _placed, _read_all
from tower import clock
from tower.store import change_feed


def _age_the_whole_feed(world: World, days: int) -> None:
    with world.engine.begin() as conn:
        conn.execute(sa.text("UPDATE change_feed SET changed_at = changed_at - make_interval(days => :d)"), {"d": days})


def _prune(world: World, keep_days: int) -> int:
    now = clock.now()
    with world.engine.begin() as conn:
        return change_feed.prune(conn=conn, before=now - timedelta(days=keep_days), now=now)


def test_a_cursor_behind_the_kept_feed_gets_410_and_a_kept_one_misses_nothing(world: World) -> None:
    first = world.client().get("/api/v1/changes?limit=1", headers=world.auth("admin")).get_json()
    assert first["items"], "the seeded world has changes"
    _, caught_up = _read_all(world, None)
    _age_the_whole_feed(world, 40)
    fresh = f"SO-KEEP-{uuid.uuid4().hex[:6]}"
    world.client().post("/api/v1/milestones", json=[_placed(fresh, f"keep-{fresh}")], headers=world.auth("admin"))

    assert _prune(world, 30) > 0
    assert _prune(world, 30) == 0      # nothing more is old enough

    expired = world.client().get("/api/v1/changes", query_string={"cursor": first["next_cursor"]},
                                 headers=world.auth("admin"))
    assert expired.status_code == 410
    assert expired.mimetype == "application/problem+json"
    assert "resync" in expired.get_json()["detail"]
    seen, _ = _read_all(world, caught_up)          # the reader that kept up loses nothing
    assert ("order", fresh) in seen
    from_start, _ = _read_all(world, None)         # no cursor: from the oldest change kept
    assert ("order", fresh) in from_start
    oldest = first["items"][0]
    assert (oldest["entity"], oldest["id"]) not in from_start   # deleted, and not changed since


def test_changes_younger_than_the_kept_days_are_not_deleted(world: World) -> None:
    _, cursor = _read_all(world, None)
    _age_the_whole_feed(world, 5)
    assert _prune(world, 30) == 0
    again = world.client().get("/api/v1/changes", query_string={"cursor": cursor}, headers=world.auth("admin"))
    assert again.status_code == 200
