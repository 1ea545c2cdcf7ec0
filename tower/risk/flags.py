"""Flags: what the risk model may do with a score, under the policy's decision rights, and what
people decide about it.

`apply(conn=, scored=, ...)` raises a flag for every scored order at or above the operating
threshold that has none open, in the band its score falls in: `recommend` writes the flag and
its audit row and nothing else; `act` also raises the early-warning exception
`sla_miss_risk` (severity from the exception pack); `escalate` raises it at the rights'
`escalate_severity` and the flag waits on /review for a person. A flag whose score later falls
in a band with a stronger right takes that right. Flags of orders that were delivered or
cancelled expire, and the exception they raised is resolved. Every automated row names the
model version, the score, the threshold and the policy rule that allowed it.

`review(conn=, flag_ids=, verdict=, reason=, actor=, now=)` records a person's verdict:
accepted or dismissed, with a reason from REVIEW_REASONS, audited in risk_flag_events like an
exception action. Verdicts feed precision as judged by people (tower/data/risk.py) and are
labels for the next training (tower/risk/training.py). Never commits.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Sequence

from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.rules.decision_rights import FlagRights

_SQL = sqlfiles.load(__file__, "flags.sql")
KIND = "sla_miss_risk"
INVOICE_KIND = "invoice_discrepancy"
TITLES = {KIND: "Likely to miss its promise: risk {score:.0%}",
          INVOICE_KIND: "Invoice looks wrong: discrepancy score {score:.0%}"}
_STRENGTH = {"recommend": 0, "act": 1, "escalate": 2}
VERDICTS = {"accept": "accepted", "dismiss": "dismissed"}
# Reasons a person gives, per verdict (the review queue offers exactly these).
REVIEW_REASONS: dict[str, tuple[str, ...]] = {
    "accept": ("will_miss_promise", "customer_warned", "expedited", "already_handling"),
    "dismiss": ("false_alarm", "data_out_of_date", "promise_renegotiated", "not_our_delay"),
}
# Invoice discrepancies are judged with their own reasons (the queue offers each flag its kind's).
REVIEW_REASONS_BY_KIND: dict[str, dict[str, tuple[str, ...]]] = {
    KIND: REVIEW_REASONS,
    INVOICE_KIND: {"accept": ("billing_error", "invoice_corrected", "credit_note_issued"),
                   "dismiss": ("false_alarm", "agreed_price", "data_out_of_date")},
}
REASON_WORDS = {
    "billing_error": "Billing error", "invoice_corrected": "Invoice corrected",
    "credit_note_issued": "Credit note issued", "agreed_price": "Price agreed with the customer",
    "will_miss_promise": "Will miss the promise", "customer_warned": "Customer warned",
    "expedited": "Expedited", "already_handling": "Already handling it",
    "false_alarm": "False alarm", "data_out_of_date": "Data out of date",
    "promise_renegotiated": "Promise renegotiated", "not_our_delay": "Not our delay",
}
MAX_COMMENT_CHARS = 2000


class InvalidReview(ValueError):
    """The review cannot be recorded as asked; the message says what to change."""


@dataclass(frozen=True)
class Scored:
    order_id: str
    score: float
    reasons: list[dict[str, Any]]


@dataclass
class ApplyResult:
    raised: int = 0
    acted: int = 0
    escalated: int = 0
    upgraded: int = 0
    expired: int = 0


def apply(*, conn: Connection, scored: Sequence[Scored], rights: FlagRights | None, model_version: str,
          policy_version: str, exception_spec: dict[str, Any], now: datetime, kind: str = KIND,
          expire: bool = True) -> ApplyResult:
    """Raise, upgrade and expire flags of `kind` for one scoring run (see module doc). A kind
    whose flags end otherwise than with the order (invoice discrepancies) expires its own
    (`expire=False`)."""
    result = ApplyResult()
    base = {"kind": kind, "model_version": model_version, "policy_version": policy_version,
            "now": now, "threshold": rights.threshold if rights else 1.0}
    if expire:
        result.expired = conn.execute(_SQL["expire"], base).rowcount or 0
    if rights is None:
        return result
    open_flags = {r.order_id: r for r in conn.execute(_SQL["open_flags"], {"kind": kind})}
    new: dict[str, list] = {k: [] for k in ("order_id", "score", "band", "decision", "rule", "reasons")}
    stronger: dict[str, list] = {k: [] for k in ("flag_id", "score", "band", "decision", "rule")}
    for item in scored:
        band = rights.band_for(item.score)
        if band is None:
            continue
        prior = open_flags.get(item.order_id)
        if prior is None:
            for key, value in (("order_id", item.order_id), ("score", item.score), ("band", band.name),
                               ("decision", band.right), ("rule", band.rule),
                               ("reasons", json.dumps(item.reasons))):
                new[key].append(value)
        elif _STRENGTH[band.right] > _STRENGTH[prior.decision]:
            for key, value in (("flag_id", prior.flag_id), ("score", item.score), ("band", band.name),
                               ("decision", band.right), ("rule", band.rule)):
                stronger[key].append(value)
    team = exception_spec.get("team", "order-desk")
    if new["order_id"]:
        result.raised = len(conn.execute(_SQL["insert_flags"], {**base, **new, "team": team}).all())
    if stronger["flag_id"]:
        result.upgraded = conn.execute(_SQL["upgrade"], {**base, **stronger}).rowcount or 0
    acting = [o for o, d in zip(new["order_id"], new["decision"]) if d != "recommend"]
    acting += [o for o, r in open_flags.items() if r.flag_id in set(stronger["flag_id"]) and r.exception_id is None]
    if acting:
        _raise_exceptions(conn, acting, rights, exception_spec, team, base)
        rows = conn.execute(_SQL["flags_of_orders"], {"kind": kind, "ids": acting}).all()
        result.acted = sum(r.decision == "act" for r in rows)
        result.escalated = sum(r.decision == "escalate" for r in rows)
    return result


def _raise_exceptions(conn: Connection, order_ids: list[str], rights: FlagRights,
                      spec: dict[str, Any], team: str, base: dict[str, Any]) -> None:
    rows = conn.execute(_SQL["flags_of_orders"], {"kind": base["kind"], "ids": order_ids}).all()
    cols: dict[str, list] = {"flag_id": [], "severity": [], "title": [], "detail": []}
    for r in rows:
        escalate = r.decision == "escalate"
        cols["flag_id"].append(r.flag_id)
        cols["severity"].append(rights.escalate_severity if escalate else spec.get("severity", "medium"))
        cols["title"].append(TITLES.get(base["kind"], "Flagged: score {score:.0%}").format(score=r.score)
                             + (" — needs a decision" if escalate else ""))
        cols["detail"].append(json.dumps({
            "model_version": base["model_version"], "score": round(float(r.score), 4),
            "threshold": rights.threshold, "band": r.band, "decision": r.decision,
            "rule": r.policy_rule, "flag_id": r.flag_id}))
    conn.execute(_SQL["raise_exceptions"], {**base, **cols, "team": team,
                                            "sla_hours": float(spec.get("sla_hours", 8))})


def review(*, conn: Connection, flag_ids: Sequence[int], verdict: str, reason: str, actor: str,
           now: datetime, policy_version: str | None = None, comment: str | None = None) -> int:
    """Accept or dismiss open flags; returns how many changed (flags already reviewed or
    expired are left alone). InvalidReview for a verdict or reason not on the list."""
    if verdict not in VERDICTS:
        raise InvalidReview("Choose accept or dismiss.")
    allowed = {r for reasons in REVIEW_REASONS_BY_KIND.values() for r in reasons[verdict]}
    if reason not in allowed:
        raise InvalidReview(f"Choose a reason from the list ({', '.join(REVIEW_REASONS[verdict])}).")
    if not actor or not actor.strip():
        raise InvalidReview("who is reviewing must be given")
    if now.tzinfo is None:
        raise InvalidReview("now must be an aware datetime")
    if comment is not None and (not isinstance(comment, str) or "\x00" in comment
                                or len(comment) > MAX_COMMENT_CHARS):
        raise InvalidReview(f"The comment must be plain text of at most {MAX_COMMENT_CHARS:,} characters.")
    ids = [int(i) for i in flag_ids]
    if not ids:
        return 0
    for kind in conn.execute(_SQL["kinds_of"], {"ids": ids}).scalars():
        reasons = REVIEW_REASONS_BY_KIND.get(kind, REVIEW_REASONS)[verdict]
        if reason not in reasons:
            raise InvalidReview(f"Choose a reason from the list ({', '.join(reasons)}).")
    rows = conn.execute(_SQL["review"], {"ids": ids, "status": VERDICTS[verdict], "actor": actor.strip(),
                                         "now": now, "reason": reason, "comment": comment,
                                         "action": VERDICTS[verdict], "policy_version": policy_version})
    return len(rows.all())
