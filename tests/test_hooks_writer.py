"""tower.hooks_writer: the webhook acknowledgement's group commit, against real Postgres."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from tower import clock
from tower.hooks_writer import InboxWriter


def _stored(engine, provider: str) -> list[str]:
    with engine.connect() as conn:
        return list(conn.execute(sa.text("SELECT event_id FROM webhook_inbox WHERE provider = :p ORDER BY inbox_id"),
                                 {"p": provider}).scalars())


def test_every_event_of_a_concurrent_burst_is_committed_before_its_answer(engine, db_url):
    writer = InboxWriter(db_url)
    now = clock.now()

    def one(n: int) -> tuple[str, bool, bool]:
        new = writer.store(provider="burst", event_id=f"E-{n}", body="{}", received_at=now)
        with engine.connect() as conn:   # another connection sees it the moment the answer is given
            seen = conn.execute(sa.text("SELECT count(*) FROM webhook_inbox WHERE event_id = :e"),
                                {"e": f"E-{n}"}).scalar_one() == 1
        return f"E-{n}", new, seen

    with ThreadPoolExecutor(max_workers=24) as pool:
        answers = list(pool.map(one, range(300)))
    assert all(new and seen for _, new, seen in answers)
    assert sorted(_stored(engine, "burst")) == sorted(f"E-{n}" for n in range(300))
    assert writer.events == 300 and writer.batches <= 300


def test_an_event_sent_twice_is_new_once_whether_or_not_in_the_same_batch(engine, db_url):
    writer = InboxWriter(db_url)
    now = clock.now()
    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(lambda _: writer.store(provider="dup", event_id="SAME", body="{}", received_at=now),
                                range(40)))
    assert answers.count(True) == 1 and answers.count(False) == 39
    assert writer.store(provider="dup", event_id="SAME", body="{}", received_at=now) is False
    assert _stored(engine, "dup") == ["SAME"]


def test_an_event_the_database_refuses_fails_alone_and_its_neighbours_are_stored(engine, db_url):
    writer = InboxWriter(db_url)
    now = clock.now()

    def one(n: int) -> str:
        body = "bad\x00body" if n == 7 else "{}"   # text cannot hold NUL: Postgres refuses this row
        try:
            return "new" if writer.store(provider="mixed", event_id=f"M-{n}", body=body, received_at=now) else "dup"
        except sa.exc.DBAPIError:
            return "refused"

    with ThreadPoolExecutor(max_workers=16) as pool:
        answers = list(pool.map(one, range(30)))
    assert answers[7] == "refused"
    assert answers.count("new") == 29
    assert sorted(_stored(engine, "mixed")) == sorted(f"M-{n}" for n in range(30) if n != 7)
