"""Integration incidents: when a source is down, one incident for it (not a flood of "late"
exceptions), linked to the orders it holds and their value; when it catches up, the incident
resolves itself and every order it held is evaluated again.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Iterable, Mapping

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw, scalar
from tower.rules.facts import SourceFreshness
from tower.rules.policy import Policy

_SQL = sqlfiles.load_psycopg(__file__, "incidents.sql")
KIND = "integration_incident"


def open_incident(*, conn: Connection, fresh: SourceFreshness, policy: Policy, now: datetime) -> int:
    """The id of the open incident for this stale source (opened now if there is none)."""
    spec = policy.exceptions[KIND]
    office = policy.calendars[policy.default_calendar]
    sla, esc = float(spec["sla_hours"]), policy.escalation
    detail = {"source": fresh.source, "last_ok_at": fresh.last_ok_at.isoformat() if fresh.last_ok_at else None,
              "age_minutes": fresh.age_minutes, "threshold_minutes": fresh.threshold_minutes}
    # The outage began when the source's data grew older than its threshold.
    since = (now - timedelta(minutes=max(fresh.age_minutes - fresh.threshold_minutes, 0.0))
             if fresh.age_minutes is not None else None)
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["open_incident"], {
            "source": fresh.source, "severity": spec["severity"], "team": spec["team"],
            "title": f"{fresh.source.upper()} data is stale", "detail": json.dumps(detail),
            "now": now, "due_at": office.add_hours(now, sla * esc["lead"]),
            "escalate_at": office.add_hours(now, sla * esc["manager"]), "version": policy.version,
            "since": since})
        return scalar(cur)


def link_orders(*, conn: Connection, incident: int, order_ids: Iterable[str]) -> None:
    ids = list(order_ids)
    if ids:
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["link_ids"], {"incident": incident, "ids": ids})


def refresh(*, conn: Connection, incident: int, fresh: SourceFreshness, now: datetime) -> None:
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["refresh_incident"], {
            "incident": incident, "now": now, "age": fresh.age_minutes,
            "title_prefix": f"{fresh.source.upper()} data {int(fresh.age_minutes or 0)} min old"})


def sync_incidents(*, conn: Connection, freshness: Mapping[str, SourceFreshness], policy: Policy,
                   now: datetime, hold: bool = True) -> dict[str, int]:
    """Open/refresh an incident per source that is down (holding and linking its orders when
    `hold`); a source that is catching up holds its alerts without an incident. Resolve the
    incidents of sources that are fresh again, and when a source stops holding (caught up or
    back), re-queue every order evaluated while it held. Returns {source: incident id} for the
    sources that are down."""
    incidents: dict[str, int] = {}
    pg = raw(conn)
    for source, fresh in freshness.items():
        if not fresh.down:
            continue
        incident = open_incident(conn=conn, fresh=fresh, policy=policy, now=now)
        incidents[source] = incident
        if hold:
            with pg.cursor() as cur:
                cur.execute(_SQL["hold_orders"], {"source": source, "words": fresh.words(),
                                                  "incident": incident})
        refresh(conn=conn, incident=incident, fresh=fresh, now=now)
    recovered = [s for s, f in freshness.items() if not f.stale]
    with pg.cursor() as cur:
        cur.execute(_SQL["caught_up"], {"fresh": recovered})
        for incident, source in cur.fetchall():
            cur.execute(_SQL["resolve_incident"], {"incident": incident, "now": now,
                                                   "version": policy.version})
            cur.execute(_SQL["release_held"], {"source": source, "now": now})
        still_stale = sorted(s for s, f in freshness.items() if f.stale)
        for source in _stopped_holding(conn=conn, freshness=freshness, now=now):
            cur.execute(_SQL["release_held"], {"source": source, "now": now})
            cur.execute(_SQL["release_judged_while_stale"], {"source": source, "now": now,
                                                            "still_stale": still_stale})
    return incidents


def note_held(*, conn: Connection, freshness: Mapping[str, SourceFreshness], now: datetime) -> None:
    """Remember the sources that held this evaluation (see `_stopped_holding`).

    Only a source not yet recorded as holding is written. An upsert locks the row even when it
    changes nothing, and the worker's transaction then kept that lock while it wrote orders,
    whose rows the sweep holds when it records the states: in a fresh demo the two deadlocked,
    the sweep backed off for two minutes, and 22,000 orders judged during the catch-up waited
    that long to be judged again."""
    states = _states(conn)
    with raw(conn).cursor() as cur:
        for source, fresh in freshness.items():
            if fresh.stale and not states.get(source, ("", False))[1]:
                cur.execute(_SQL["note_held"], {"source": source, "state": fresh.state, "now": now})


def _states(conn: Connection) -> dict[str, tuple[str, bool]]:
    """{source: (state, stale)} as recorded in `source_states` (read without locking)."""
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["source_states"])
        return {source: (state, stale) for source, state, stale in cur.fetchall()}


def _stopped_holding(*, conn: Connection, freshness: Mapping[str, SourceFreshness],
                     now: datetime) -> list[str]:
    """Record each source's state in `source_states` (only the ones that changed: see
    `note_held`); the sources that held before and hold no more (so the evaluations made
    while they held run again, once)."""
    before = _states(conn)
    with raw(conn).cursor() as cur:
        for source, fresh in freshness.items():
            if before.get(source) != (fresh.state, fresh.stale):
                cur.execute(_SQL["put_source_state"], {"source": source, "state": fresh.state,
                                                       "stale": fresh.stale, "now": now})
    return [s for s, f in freshness.items() if before.get(s, ("", False))[1] and not f.stale]
