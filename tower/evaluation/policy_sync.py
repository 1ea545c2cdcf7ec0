"""Make the database agree with the loaded policy before the rules run: record its version,
upsert its teams (so every owner the rules name exists) and publish its freshness thresholds.
Idempotent; the worker and sweep call `ensure`, which does the work only when this policy
version is not yet recorded in the database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.evaluation.freshness import sync_thresholds
from tower.rules.policy import Policy

_SQL = sqlfiles.load_psycopg(__file__, "policy_sync.sql")


def sync_policy(*, conn: Connection, policy: Policy, now: datetime) -> None:
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["upsert_version"], {"version": policy.version, "now": now,
                                             "text": policy.source_text})
        for team in policy.teams:
            cur.execute(_SQL["upsert_team"], {"id": team["id"], "name": team.get("name") or team["id"],
                                              "lead": team.get("lead"), "manager": team.get("manager"),
                                              "email": team.get("email")})
    sync_thresholds(conn=conn, policy=policy, now=now)


def ensure(*, conn: Connection, policy: Policy, now: datetime) -> None:
    """`sync_policy` unless this policy version is already recorded (one cheap query)."""
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["has_version"], {"version": policy.version})
        if cur.fetchone():
            return
    sync_policy(conn=conn, policy=policy, now=now)
