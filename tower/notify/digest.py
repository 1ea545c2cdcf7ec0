"""Daily team digests: open, at risk, overdue, top by value, newly breached.

`make_due_digests(engine, policy=, settings=, now=)` makes, for each team the policy's digest
names, one digest delivery per recipient once per local day, as soon as the day's digest time
(TOWER_DIGEST_TIME, in TOWER_DIGEST_TZ or the policy's default calendar zone) has passed — so a
process started after that time still sends today's — and the store is current: while a source
is catching up (reading a backlog) or the rules worker has orders waiting, the digest waits, so
it never reports the half-read store of a first start or an outage's backlog. The figures are
fixed when the digest is made (a replay sends the same figures). Counts are tower.data.teams'
(the /teams page's).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.engine import Connection, Engine

from tower import sqlfiles
from tower.config import NotifySettings
from tower.data import teams as team_figures
from tower.data.scope import Scope
from tower.evaluation.freshness import catching_up
from tower.notify.dispatch import unavailable
from tower.rules.policy import Policy
from tower.store import notifications as outbox

_Q = sqlfiles.load(__file__, "digest.sql")
WINDOW = timedelta(hours=24)


def _rows(conn: Connection, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    return [{**r, "due_at": r["due_at"].isoformat() if r["due_at"] else None}
            for r in (dict(m) for m in conn.execute(_Q[name], params).mappings())]


def figures(*, conn: Connection, policy: Policy, team: str, now: datetime, top: int,
            summary: Any = None) -> dict[str, Any]:
    """The digest of `team` at `now` (plain JSON-able values)."""
    if summary is None:
        summary = team_figures.summary(conn=conn, now=now, at_risk=policy.escalation["at_risk"],
                                       scope=Scope.everything(), days=1)
    row = summary[summary["team_id"] == team]

    def count(col: str) -> int:
        return int(row.iloc[0][col]) if len(row) else 0
    names = {t["id"]: t.get("name") or t["id"] for t in policy.teams}
    return {"team": team, "team_name": names.get(team, team), "as_of": now.isoformat(),
            "open": count("open"), "at_risk": count("at_risk"), "overdue": count("overdue"),
            "value_at_risk": float(row.iloc[0]["value_at_risk"]) if len(row) else 0.0,
            "top_by_value": _rows(conn, "top_by_value", {"team": team, "top": top}),
            "newly_breached": _rows(conn, "newly_breached", {"team": team, "since": now - WINDOW, "now": now})}


def zone(policy: Policy, settings: NotifySettings) -> ZoneInfo:
    return ZoneInfo(settings.digest_tz) if settings.digest_tz else policy.calendars[policy.default_calendar].tz


def current(conn: Connection, policy: Policy, now: datetime) -> bool:
    """Whether the store is caught up enough to report: no source catching up, no order
    waiting for the rules worker."""
    if catching_up(conn=conn, policy=policy, now=now):
        return False
    return conn.execute(_Q["rules_backlog"]).first() is None


def make_due_digests(engine: Engine, *, policy: Policy, settings: NotifySettings, now: datetime) -> int:
    """Make today's digests that are due and not made yet; returns how many deliveries."""
    spec = policy.notifications.digest
    with engine.begin() as conn:   # the outbox's retention rides on this once-a-minute job
        outbox.purge(conn=conn, before=now - timedelta(days=settings.keep_days))
    if spec is None:
        return 0
    local = now.astimezone(zone(policy, settings))
    if local.time() < settings.digest_time:
        return 0
    day = local.date().isoformat()
    team_ids = [t["id"] for t in policy.teams if spec.teams is None or t["id"] in spec.teams]
    made = 0
    with engine.begin() as conn:
        todo = [t for t in team_ids if not outbox.digest_made(conn=conn, prefix=f"{day}/{t}/")]
        if not todo or not current(conn, policy, now):
            return 0
        summary = team_figures.summary(conn=conn, now=now, at_risk=policy.escalation["at_risk"],
                                       scope=Scope.everything(), days=1)
        for team in todo:
            emails, _missing = policy.notifications.addresses(spec.email, team)
            targets = [("email", a) for a in emails] + [("webhook", w) for w in spec.webhook]
            targets = [(c, t) for c, t in targets if unavailable(settings, c, t) is None]
            if not targets:
                continue
            content = {"day": day, **figures(conn=conn, policy=policy, team=team, now=now,
                                              top=spec.top, summary=summary)}
            for channel, target in targets:
                if outbox.add_digest(conn=conn, team=team, key=f"{day}/{team}/{channel}/{target}",
                                     channel=channel, target=target, content=content, now=now):
                    made += 1
    return made
