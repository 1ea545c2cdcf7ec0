"""Scoring: every open order's P(miss its promise) with the model in service, its reasons in
words, and the flags the decision rights allow (tower/risk/flags.py), in one transaction. Only
orders whose promise is still ahead are flagged: one already past it is late, not at risk, and
the rules' exceptions own it.

Set-based: the features of all open orders come from one SQL pass (features.open_frame), the
scores from one matrix product, the writes from one statement per table, in chunks so memory
stays bounded at a million orders.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import orjson
from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw
from tower.risk import flags, registry
from tower.risk.features import matrix, open_frame
from tower.risk.reasons import explain
from tower.rules.policy import Policy

# Binary parameters: arrays of a million scores and reasons are not escaped value by value.
_SQL = sqlfiles.load_psycopg(__file__, "scoring.sql", binary=True)
CHUNK = 50_000


@dataclass
class ScoreResult:
    model_version: str | None
    scored: int = 0
    flags: flags.ApplyResult = field(default_factory=flags.ApplyResult)


def score_open(*, conn: Connection, now: datetime, policy: Policy,
               service: registry.ServiceModel | None = None) -> ScoreResult:
    """Score every open order with the model in service (or `service`); no model: nothing."""
    service = service or registry.in_service(conn=conn)
    if service is None:
        return ScoreResult(None)
    frame = open_frame(conn=conn, as_of=now, lane_days=policy.risk_model.lane_days)
    result = ScoreResult(service.version)
    scored: list[flags.Scored] = []
    for start in range(0, len(frame), CHUNK):
        part = frame.iloc[start:start + CHUNK]
        x = matrix(part)
        scores = service.model.predict(x)
        names, contributions = service.model.group_contributions(x)
        reasons = explain(part, names, contributions)
        ids = part["order_id"].tolist()
        with raw(conn).cursor() as cur:
            cur.execute(_SQL["upsert"], {"model_version": service.version, "now": now, "order_id": ids,
                                         "score": scores.astype(float).tolist(),
                                         "reasons": [orjson.dumps(r).decode() for r in reasons]})
        # A flag warns before the promise; an order already past it is late, which the rules own.
        ahead = (part["hours_to_promise"].astype(float) > 0).to_numpy()
        scored.extend(flags.Scored(o, float(s), r) for o, s, r, a in zip(ids, scores, reasons, ahead)
                      if a and s >= _lowest_band(policy))
        result.scored += len(ids)
    with raw(conn).cursor() as cur:
        cur.execute(_SQL["forget_closed"])
    result.flags = flags.apply(conn=conn, scored=scored, rights=policy.decision_rights.get(flags.KIND),
                               model_version=service.version, policy_version=policy.version,
                               exception_spec=policy.exceptions.get(flags.KIND, {}), now=now)
    return result


def _lowest_band(policy: Policy) -> float:
    rights = policy.decision_rights.get(flags.KIND)
    return rights.threshold if rights else float(np.inf)
