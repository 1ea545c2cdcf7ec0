"""Model versions in `risk_models`: each with its training window, features and backtest.

At most one model of a kind is in service (a unique partial index says so). `save` records a
trained model as 'candidate', 'in_service' (after retiring the one before) or 'rejected', with
the reason in words. Never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.risk.model import LinearModel

_SQL = sqlfiles.load(__file__, "registry.sql")
KIND = "sla_miss_risk"


@dataclass(frozen=True)
class ServiceModel:
    version: str
    trained_at: datetime
    model: LinearModel
    backtest: dict[str, Any]


def in_service(*, conn: Connection, kind: str = KIND) -> ServiceModel | None:
    row = conn.execute(_SQL["in_service"], {"kind": kind}).first()
    if row is None:
        return None
    return ServiceModel(row.version, row.trained_at, LinearModel.from_json(row.params), row.backtest)


def last_trained(*, conn: Connection, kind: str = KIND) -> datetime | None:
    return conn.execute(_SQL["last_trained"], {"kind": kind}).scalar()


def new_version(*, conn: Connection, trained_at: datetime) -> str:
    """'sla-miss-YYYYMMDDTHHMMZ', with a suffix if that minute already has a model."""
    base = f"sla-miss-{trained_at:%Y%m%dT%H%M}Z"
    version, n = base, 1
    while conn.execute(_SQL["version_taken"], {"version": version}).first() is not None:
        n += 1
        version = f"{base}-{n}"
    return version


def save(*, conn: Connection, version: str, model: LinearModel, trained_at: datetime,
         window_from: datetime, window_to: datetime, split_at: datetime, backtest: dict[str, Any],
         promote: bool, reason: str, kind: str = KIND) -> None:
    if promote:
        conn.execute(_SQL["retire"], {"kind": kind, "reason": f"replaced by {version}"})
    conn.execute(_SQL["save"], {
        "version": version, "kind": kind, "trained_at": trained_at, "window_from": window_from,
        "window_to": window_to, "split_at": split_at, "features": json.dumps(list(model.features)),
        "params": json.dumps(model.to_json()), "backtest": json.dumps(backtest),
        "status": "candidate" if promote else "rejected", "status_reason": reason})
    if promote:
        conn.execute(_SQL["promote"], {"version": version, "now": trained_at})
