"""People's verdicts are labels for the next training: a flag a person dismissed puts its order's
points into the next training labelled "will not miss" (accepted: "will miss"), never into the
backtest, and the trained model records how many reviewed labels it learnt from (shown on /risk)."""

from __future__ import annotations

import sqlalchemy as sa

from tests.evaluation.story import POLICY
from tower.data import risk as risk_data
from tower.data.scope import Scope
from tower.risk import scoring, training


def _points_of(ts: training.TrainingSet, order_ids: set[str]):
    mask = ts.frame["order_id"].isin(order_ids).to_numpy()
    return mask


def test_a_dismissed_flag_s_verdict_changes_what_the_next_training_sees(history):
    engine, _, now = history
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        flags = conn.execute(sa.text("SELECT flag_id, order_id FROM risk_flags WHERE kind = 'sla_miss_risk' "
                                     "AND status = 'open' ORDER BY score DESC, flag_id LIMIT 4")).all()
    assert len(flags) == 4
    ids, orders = [f.flag_id for f in flags], {f.order_id for f in flags}
    with engine.connect() as conn:
        before = training.training_set(conn=conn, now=now, policy=POLICY)
    assert before is not None
    unjudged = _points_of(before, orders)
    # flagged orders are open with their promise ahead: without a verdict nothing labels them
    assert not (unjudged & before.train_rows).any() and not (unjudged & before.test_rows).any()

    # An acceptance (rolled back): the same orders train as "will miss".
    with engine.connect() as conn, conn.begin() as tx:
        risk_data.review(conn=conn, flag_ids=ids, verdict="accept", reason="will_miss_promise", actor="maria",
                         now=now, scope=Scope.everything())
        accepted = training.training_set(conn=conn, now=now, policy=POLICY)
        tx.rollback()
    assert accepted is not None
    mask = _points_of(accepted, orders)
    assert mask.any() and (accepted.train_rows[mask]).all() and (accepted.labels[mask] == 1).all()

    # A dismissal: they train as "will not miss", never in the backtest.
    with engine.begin() as conn:
        changed = risk_data.review(conn=conn, flag_ids=ids, verdict="dismiss", reason="false_alarm", actor="maria",
                                   now=now, scope=Scope.everything())
        dismissed = training.training_set(conn=conn, now=now, policy=POLICY)
    assert changed == 4 and dismissed is not None
    mask = _points_of(dismissed, orders)
    assert mask.any() and dismissed.train_rows[mask].all() and not dismissed.test_rows[mask].any()
    assert (dismissed.labels[mask] == 0).all() and dismissed.reviewed[mask].all()
    assert dismissed.train_rows.sum() == before.train_rows.sum() + mask.sum()
    # Everything else the training sees is unchanged.
    assert (dismissed.test_rows.sum(), dismissed.labels[dismissed.test_rows].sum()) == (
        before.test_rows.sum(), before.labels[before.test_rows].sum())
    assert dismissed.reviewed_orders() == {"orders": 4, "accepted": 0, "dismissed": 4}

    with engine.begin() as conn:
        result = training.train(conn=conn, now=now, policy=POLICY)
        serving = risk_data.models(conn=conn, scope=Scope.everything())
    assert result.backtest is not None and result.version is not None
    t = result.backtest["training"]
    assert (t["reviewed_orders"], t["reviewed_accepted"], t["reviewed_dismissed"]) == (4, 0, 4)
    assert t["labels_from_reviews"] == int(mask.sum())
    row = serving[serving["version"] == result.version].iloc[0]
    assert row["reviewed_labels"] == 4


def test_a_verdict_given_after_the_training_time_is_not_seen_by_it(history):
    engine, _, now = history
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        flag = conn.execute(sa.text("SELECT flag_id, order_id FROM risk_flags WHERE kind = 'sla_miss_risk' "
                                    "AND status = 'open' ORDER BY flag_id LIMIT 1")).one()
        risk_data.review(conn=conn, flag_ids=[flag.flag_id], verdict="dismiss", reason="false_alarm",
                         actor="maria", now=now, scope=Scope.everything())
        conn.execute(sa.text("UPDATE risk_flags SET reviewed_at = reviewed_at + interval '1 hour' "
                             "WHERE flag_id = :id"), {"id": flag.flag_id})
        ts = training.training_set(conn=conn, now=now, policy=POLICY)
    assert ts is not None
    mask = _points_of(ts, {flag.order_id})
    assert not (mask & ts.train_rows).any()
