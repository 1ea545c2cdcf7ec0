"""Decision rights and reviews on the sandbox's history: a recommend-only band (of either flag
kind: SLA-miss risk, invoice discrepancy) changes nothing;
act raises an early-warning exception naming the model version, score, threshold and rule;
reviews are audited, scoped, and feed precision per model version and the next training."""

from __future__ import annotations

import hashlib

import sqlalchemy as sa

from tests.evaluation.story import POLICY
from tests.risk.conftest import count
from tower.data import risk as risk_data
from tower.data.scope import Scope
from tower.evaluation.worker import drain, mark_all_open
from tower.risk import invoices, scoring, training
from tower.rules.policy import parse

# The operational state: everything a person or a rule would see change.
_STATE_TABLES = ("orders", "order_lines", "exceptions", "exception_events", "milestones", "shipments",
                 "invoices", "payments", "returns", "dirty_orders", "change_feed")


def _digest(engine: sa.Engine) -> dict[str, str]:
    out = {}
    with engine.connect() as conn:
        for table in _STATE_TABLES:
            rows = conn.execute(sa.text(f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                                        f"FROM {table} t")).scalar()
            out[table] = hashlib.sha1(str(rows).encode()).hexdigest()
    return out


def _policy_where_every_band_only_recommends():
    text = POLICY.source_text.replace("right: act}", "right: recommend}").replace("right: escalate}", "right: recommend}")
    policy = parse(text, "recommend-only")
    for kind in ("sla_miss_risk", "invoice_discrepancy"):
        assert {b.right for b in policy.decision_rights[kind].bands} == {"recommend"}
    return policy


def test_a_flag_in_a_band_that_only_allows_recommend_never_changes_anything(history):
    engine, _, now = history
    policy = _policy_where_every_band_only_recommends()
    before = _digest(engine)
    with engine.begin() as conn:
        result = scoring.score_open(conn=conn, now=now, policy=policy)
        checked = invoices.check(conn=conn, now=now, policy=policy)
    assert result.flags.raised > 20 and result.flags.acted == result.flags.escalated == 0
    assert checked.flags.raised > 5 and checked.flags.acted == checked.flags.escalated == 0
    assert _digest(engine) == before
    assert count(engine, "SELECT count(*) FROM risk_flags WHERE decision <> 'recommend'") == 0
    assert count(engine, "SELECT count(*) FROM exceptions WHERE kind IN ('sla_miss_risk', 'invoice_discrepancy')") == 0


def test_acting_raises_an_early_warning_exception_that_names_model_score_threshold_and_rule(history):
    engine, _, now = history
    with engine.begin() as conn:
        result = scoring.score_open(conn=conn, now=now, policy=POLICY)
        rows = conn.execute(sa.text(
            "SELECT f.flag_id, f.decision, f.score, f.model_version, e.exception_id, e.severity, e.detail, "
            "       ev.actor, ev.detail AS audit "
            "FROM risk_flags f JOIN exceptions e ON e.exception_id = f.exception_id "
            "JOIN exception_events ev ON ev.exception_id = e.exception_id AND ev.action = 'opened' "
            "WHERE f.status = 'open'")).mappings().all()
    assert result.flags.acted + result.flags.escalated > 5
    assert len(rows) == result.flags.acted + result.flags.escalated
    rights = POLICY.decision_rights["sla_miss_risk"]
    for r in rows:
        band = rights.band_for(r["score"])
        assert r["decision"] == band.right != "recommend"
        for detail in (r["detail"], r["audit"]):
            assert detail["model_version"] == r["model_version"] == result.model_version
            assert abs(detail["score"] - r["score"]) < 1e-3 and detail["threshold"] == rights.threshold
            assert detail["rule"] == band.rule
        assert r["actor"] == f"model:{result.model_version}"
        assert r["severity"] == ("critical" if r["decision"] == "escalate" else "medium")
    # The rules own their exceptions, not the model's: re-evaluating every order leaves them open.
    mark_all_open(engine, now=now)
    drain(engine, now=now, policy=POLICY)
    assert count(engine, "SELECT count(*) FROM exceptions WHERE kind = 'sla_miss_risk' AND status = 'open'") == len(rows)
    # A second scoring raises nothing twice.
    with engine.begin() as conn:
        again = scoring.score_open(conn=conn, now=now, policy=POLICY)
    assert again.flags.raised == 0


def test_reviews_are_audited_scoped_and_feed_precision_per_model_version(history):
    engine, _, now = history
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        queue = risk_data.queue(conn=conn, scope=Scope.everything())
    first, second, third = queue.iloc[0], queue.iloc[1], queue.iloc[2]
    elsewhere = next(w for w in ("DAL-1", "ATL-1", "RNO-1") if w != third["warehouse"])
    with engine.begin() as conn:
        accepted = risk_data.review(conn=conn, flag_ids=[int(first["flag_id"])], verdict="accept",
                                    reason="will_miss_promise", actor="maria", now=now,
                                    scope=Scope.everything(), policy_version=POLICY.version)
        dismissed = risk_data.review(conn=conn, flag_ids=[int(second["flag_id"])], verdict="dismiss",
                                     reason="false_alarm", actor="maria", now=now,
                                     scope=Scope.everything(), policy_version=POLICY.version)
        outside = risk_data.review(conn=conn, flag_ids=[int(third["flag_id"])], verdict="dismiss",
                                   reason="false_alarm", actor="carlos", now=now,
                                   scope=Scope.of("supervisor", [elsewhere]))
        audit = conn.execute(sa.text("SELECT flag_id, actor, action, reason, model_version, detail "
                                     "FROM risk_flag_events WHERE actor = 'maria' ORDER BY flag_id")).mappings().all()
        versions = risk_data.models(conn=conn, scope=Scope.everything())
    assert (accepted, dismissed, outside) == (1, 1, 0)
    assert [(a["action"], a["reason"]) for a in audit] == sorted(
        [("accepted", "will_miss_promise"), ("dismissed", "false_alarm")],
        key=lambda x: {"accepted": int(first["flag_id"]), "dismissed": int(second["flag_id"])}[x[0]])
    assert all(a["model_version"] == first["model_version"] and "score" in a["detail"] for a in audit)
    serving = versions[versions["status"] == "in_service"].iloc[0]
    assert (serving["accepted"], serving["dismissed"], serving["people_precision"]) == (1, 1, 0.5)
    assert count(engine, f"SELECT count(*) FROM risk_flags WHERE flag_id = {int(third['flag_id'])} "
                         "AND status = 'open'") == 1


def test_a_reason_off_the_list_is_refused_in_words(history):
    engine, _, now = history
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        flag_id = conn.execute(sa.text("SELECT min(flag_id) FROM risk_flags")).scalar()
        try:
            risk_data.review(conn=conn, flag_ids=[flag_id], verdict="accept", reason="because",
                             actor="maria", now=now, scope=Scope.everything())
        except risk_data.InvalidReview as exc:
            assert "reason from the list" in str(exc)
        else:
            raise AssertionError("an unknown reason was accepted")


def test_people_s_verdicts_are_labels_for_the_next_training(history):
    engine, _, now = history
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        ids = [r.flag_id for r in conn.execute(sa.text("SELECT flag_id FROM risk_flags ORDER BY flag_id LIMIT 6"))]
        risk_data.review(conn=conn, flag_ids=ids[:3], verdict="accept", reason="will_miss_promise",
                         actor="maria", now=now, scope=Scope.everything())
        risk_data.review(conn=conn, flag_ids=ids[3:], verdict="dismiss", reason="false_alarm",
                         actor="maria", now=now, scope=Scope.everything())
        result = training.train(conn=conn, now=now, policy=POLICY)
    assert result.backtest["training"]["labels_from_reviews"] > 0
