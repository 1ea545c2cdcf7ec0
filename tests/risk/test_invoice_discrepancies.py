"""The invoice discrepancy check on the sandbox's history: its flags find the sandbox's true
invoice errors (wrong quantity or price on an invoice line: the ground truth's scenarios) with a
stated precision and recall; an act band raises an exception that names the method version,
score, threshold and rule; reviews use the kind's own reasons and are audited."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from tests.evaluation.story import POLICY
from tests.risk.conftest import count
from tower.risk import flags, invoices

TRUE_ERRORS = {"invoice_qty_mismatch", "invoice_price_mismatch"}


def test_flags_find_the_sandboxs_true_invoice_errors(history):
    engine, truth, now = history
    with engine.begin() as conn:
        result = invoices.check(conn=conn, now=now, policy=POLICY)
        flagged = {r.order_id: r.reasons for r in conn.execute(sa.text(
            "SELECT order_id, reasons FROM risk_flags WHERE kind = 'invoice_discrepancy' AND status = 'open'"))}
        invoiced = set(conn.execute(sa.text("SELECT DISTINCT order_id FROM invoices WHERE issued_at >= :since"),
                                    {"since": now - timedelta(days=POLICY.risk_model.window_days)})
                       .scalars())
    true = {o for o in invoiced if o in truth and TRUE_ERRORS & set(truth[o]["scenarios"])}
    hits = set(flagged) & true
    precision = len(hits) / len(flagged)
    recall = len(hits) / len(true)
    print(f"invoice discrepancy flags: {len(flagged)}, true errors among invoiced orders: {len(true)}, "
          f"precision {precision:.1%}, recall {recall:.1%} ({result.invoices} invoices differ above rounding)")
    assert len(true) >= 10 and len(flagged) >= 10
    assert precision >= 0.8 and recall >= 0.6
    # the reasons say what is wrong, in words, the largest part first after the summary
    for order_id in hits:
        causes = [r["cause"] for r in flagged[order_id][1:]]
        assert set(causes) & TRUE_ERRORS, flagged[order_id]
        assert all(r["text"] for r in flagged[order_id])


def test_an_act_band_raises_an_exception_naming_method_score_threshold_and_rule(history):
    engine, _, now = history
    with engine.begin() as conn:
        result = invoices.check(conn=conn, now=now, policy=POLICY)
        rows = conn.execute(sa.text(
            "SELECT f.decision, f.score, f.model_version, e.detail, e.team_id FROM risk_flags f "
            "JOIN exceptions e ON e.exception_id = f.exception_id WHERE f.kind = 'invoice_discrepancy'")).all()
    assert result.flags.acted + result.flags.escalated > 0 and rows
    for decision, score, version, detail, team in rows:
        assert decision in ("act", "escalate") and version == invoices.METHOD_VERSION == detail["model_version"]
        assert detail["score"] == round(float(score), 4) and detail["threshold"] == 0.5
        assert detail["rule"].startswith("decision_rights.invoice_discrepancy.bands[")
        assert team == "billing"
    assert count(engine, "SELECT count(*) FROM risk_flags WHERE kind = 'invoice_discrepancy' "
                         "AND decision = 'recommend' AND exception_id IS NOT NULL") == 0


def test_a_second_check_raises_nothing_new_and_a_review_uses_the_kinds_reasons(history):
    engine, _, now = history
    with engine.begin() as conn:
        first = invoices.check(conn=conn, now=now, policy=POLICY)
        again = invoices.check(conn=conn, now=now, policy=POLICY)
        flag_id = conn.execute(sa.text("SELECT min(flag_id) FROM risk_flags WHERE kind = 'invoice_discrepancy'")).scalar()
    assert first.flags.raised > 0 and again.flags.raised == again.flags.expired == 0
    with engine.begin() as conn:
        try:
            flags.review(conn=conn, flag_ids=[flag_id], verdict="accept", reason="will_miss_promise",
                         actor="ann", now=now)
        except flags.InvalidReview as error:
            assert "billing_error" in str(error)
        else:
            raise AssertionError("an SLA reason was taken for an invoice flag")
        assert flags.review(conn=conn, flag_ids=[flag_id], verdict="accept", reason="billing_error",
                            actor="ann", now=now) == 1
        audit = conn.execute(sa.text("SELECT actor, action, reason, model_version FROM risk_flag_events "
                                     "WHERE flag_id = :f AND actor = 'ann'"), {"f": flag_id}).one()
    assert tuple(audit) == ("ann", "accepted", "billing_error", invoices.METHOD_VERSION)
