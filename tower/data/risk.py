"""Reads (and the one action) behind /risk, /review and the order page's risk panel.

`in_service(conn=)`: the model in service with its backtest (dict) or None. `models(conn=,
scope=)`: one row per model version (newest first): version, trained_at, window_from,
window_to (UTC), status, status_reason, brier, auc, baseline_brier, baseline_auc, accepted,
dismissed, people_precision (accepted / reviewed, None before any review; reviews of orders in
the scope only; from tower.data.risk_reviews.by_version, the one definition), reviewed_labels
(orders a person's verdict labelled in its training; None for a model trained before they were
counted). `queue(conn=, scope=, statuses=)`: one row per flag: flag_id, order_id,
warehouse, customer_name, stage, promised_at, score, threshold, band, decision, policy_rule,
model_version, raised_at, status, exception_id, reasons (text, "; "-joined), reviewed_by,
reviewed_at, review_reason. `order_risk(conn=, order_id=, scope=)`: the order's score, model
version, reasons (list of dicts) and its latest flag, or None. `review(...)`: a person's verdict
on flags in their scope (tower.risk.flags.review).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data import risk_reviews
from tower.data.scope import Scope
from tower.risk.flags import KIND, REASON_WORDS, REVIEW_REASONS, REVIEW_REASONS_BY_KIND, VERDICTS, InvalidReview
from tower.risk.flags import review as record_review
from tower.sqlfiles import load

Q = load(__file__, "risk.sql")
STATUSES = ("open", "accepted", "dismissed", "expired")
QUEUE_LIMIT = 500
__all__ = ["REASON_WORDS", "REVIEW_REASONS", "REVIEW_REASONS_BY_KIND", "VERDICTS", "InvalidReview", "in_service", "models",
           "order_risk", "queue", "review", "reviewed_labels"]


def in_service(*, conn: Connection) -> dict[str, Any] | None:
    row = conn.execute(Q["in_service"]).mappings().first()
    return dict(row) if row else None


def models(*, conn: Connection, scope: Scope) -> pd.DataFrame:
    frame = pd.DataFrame(conn.execute(Q["models"]).mappings().all(),
                         columns=["version", "trained_at", "window_from", "window_to", "status",
                                  "status_reason", "brier", "auc", "baseline_brier", "baseline_auc", "training"])
    reviews = risk_reviews.by_version(conn=conn, scope=scope)
    reviews = reviews[reviews["kind"] == KIND].set_index("model_version")
    frame["accepted"] = [int(reviews["accepted"].get(v, 0)) for v in frame["version"]]
    frame["dismissed"] = [int(reviews["dismissed"].get(v, 0)) for v in frame["version"]]
    frame["people_precision"] = [reviews["precision"].get(v) for v in frame["version"]]
    frame["reviewed_labels"] = [reviewed_labels(t) for t in frame["training"]]
    return frame.drop(columns=["training"])


def reviewed_labels(training: dict[str, Any] | None) -> int | None:
    """How many orders a person's verdict labelled in a model's training (None: the model
    was trained before tower counted them)."""
    value = (training or {}).get("reviewed_orders")
    return None if value is None else int(value)


def queue(*, conn: Connection, scope: Scope, statuses: Sequence[str] = ("open",),
          limit: int = QUEUE_LIMIT) -> pd.DataFrame:
    wanted = [s for s in statuses if s in STATUSES] or ["open"]
    rows = conn.execute(Q["queue"], {"statuses": wanted, "warehouses": scope.param(),
                                     "limit": int(limit)}).mappings().all()
    frame = pd.DataFrame(rows, columns=["flag_id", "order_id", "warehouse", "customer_name", "stage",
                                        "promised_at", "score", "threshold", "band", "decision",
                                        "policy_rule", "model_version", "raised_at", "status",
                                        "exception_id", "reasons", "reviewed_by", "reviewed_at",
                                        "review_reason", "kind"])
    frame["reasons"] = [("; ".join(r.get("text", "") for r in (items or []))) for items in frame["reasons"]]
    return frame


def order_risk(*, conn: Connection, order_id: str, scope: Scope) -> dict[str, Any] | None:
    row = conn.execute(Q["order_risk"], {"order_id": order_id, "warehouses": scope.param()}).mappings().first()
    return dict(row) if row else None


def review(*, conn: Connection, flag_ids: Sequence[int], verdict: str, reason: str, actor: str,
           now: datetime, scope: Scope, policy_version: str | None = None) -> int:
    """Accept or dismiss the flags among `flag_ids` that lie in `scope`; how many changed."""
    try:
        ids = [int(i) for i in flag_ids]
    except (TypeError, ValueError):
        raise InvalidReview("Choose flags from the list.") from None
    allowed = [r.flag_id for r in conn.execute(Q["in_scope"], {"ids": ids, "warehouses": scope.param()})]
    return record_review(conn=conn, flag_ids=allowed, verdict=verdict, reason=reason, actor=actor,
                         now=now, policy_version=policy_version)
