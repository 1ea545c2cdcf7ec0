"""Precision judged by people, per flag kind and model (or check) version, on the sandbox's
history: the read behind /risk and GET /api/v1/risk/reviews equals what the raw review rows
(the audit trail, risk_flag_events) say, counted here in Python, for every kind, for everyone
and for a scoped reader; and the API route answers the same figures with their definition."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

import pytest
import sqlalchemy as sa

from tests.evaluation.story import POLICY
from tower import config
from tower.app import create_app
from tower.auth import tokens, users
from tower.data import risk as risk_data
from tower.data import risk_reviews
from tower.data.scope import Scope
from tower.risk import invoices, scoring
from tower.risk.flags import REVIEW_REASONS_BY_KIND

KINDS = ("sla_miss_risk", "invoice_discrepancy")


def _review_some(engine: sa.Engine, now) -> None:
    """Score, check the invoices, then judge flags of both kinds with several reasons each
    (every third left open), as different people."""
    with engine.begin() as conn:
        scoring.score_open(conn=conn, now=now, policy=POLICY)
        invoices.check(conn=conn, now=now, policy=POLICY)
    with engine.begin() as conn:
        flags = conn.execute(sa.text("SELECT flag_id, kind FROM risk_flags WHERE status = 'open' "
                                     "ORDER BY kind, flag_id")).all()
        for kind in KINDS:
            mine = [f.flag_id for f in flags if f.kind == kind]
            assert len(mine) >= 6, f"too few {kind} flags to judge"
            reasons = REVIEW_REASONS_BY_KIND[kind]
            for i, flag_id in enumerate(mine[:40]):
                if i % 3 == 2:
                    continue
                verdict = "accept" if i % 3 == 0 and i % 2 == 0 else "dismiss"
                choices = reasons[verdict]
                risk_data.review(conn=conn, flag_ids=[flag_id], verdict=verdict, reason=choices[i % len(choices)],
                                 actor=f"reviewer{i % 4}", now=now, scope=Scope.everything(),
                                 policy_version=POLICY.version)


def _from_raw_review_rows(engine: sa.Engine, warehouses: set[str] | None) -> dict[tuple[str, str], dict]:
    """The figures counted in Python from the audit rows of people's verdicts, joined to each
    flag's kind and order's warehouse (no aggregate in SQL)."""
    with engine.connect() as conn:
        events = conn.execute(sa.text("SELECT flag_id, action, reason, model_version, actor FROM risk_flag_events")).all()
        flags = {r.flag_id: r for r in conn.execute(sa.text(
            "SELECT f.flag_id, f.kind, f.model_version, o.warehouse FROM risk_flags f "
            "JOIN orders o ON o.order_id = f.order_id"))}
    out: dict[tuple[str, str], dict] = defaultdict(lambda: {"accepted": 0, "dismissed": 0, "by_reason": {
        "accepted": Counter(), "dismissed": Counter()}})
    for e in events:
        if e.action not in ("accepted", "dismissed") or e.actor.startswith("model:"):
            continue
        flag = flags[e.flag_id]
        if warehouses is not None and flag.warehouse not in warehouses:
            continue
        cell = out[(flag.kind, e.model_version)]
        cell[e.action] += 1
        cell["by_reason"][e.action][e.reason] += 1
    return out


def _assert_equal(frame, expected) -> None:
    reviewed = frame[frame["reviewed"] > 0]
    assert {(r.kind, r.model_version) for r in reviewed.itertuples()} == set(expected)
    for r in reviewed.itertuples():
        want = expected[(r.kind, r.model_version)]
        n = want["accepted"] + want["dismissed"]
        assert (r.accepted, r.dismissed, r.reviewed) == (want["accepted"], want["dismissed"], n)
        assert r.accepted_by_reason == dict(want["by_reason"]["accepted"])
        assert r.dismissed_by_reason == dict(want["by_reason"]["dismissed"])
        assert math.isclose(r.precision, want["accepted"] / n)
        assert r.precision_low <= r.precision <= r.precision_high


def test_precision_judged_by_people_equals_the_raw_review_rows_for_every_kind(history):
    engine, _, now = history
    _review_some(engine, now)
    with engine.connect() as conn:
        frame = risk_reviews.by_version(conn=conn, scope=Scope.everything())
    assert set(frame.loc[frame["reviewed"] > 0, "kind"]) == set(KINDS)
    _assert_equal(frame, _from_raw_review_rows(engine, None))
    # every version of each kind is listed, reviewed or not; the counts add up per version
    with engine.connect() as conn:
        versions = {(r.kind, r.version) for r in conn.execute(sa.text("SELECT kind, version FROM risk_models"))}
    assert versions <= {(r.kind, r.model_version) for r in frame.itertuples()}
    assert (frame["open"] + frame["expired"] + frame["reviewed"] == frame["raised"]).all()
    invoice = frame[frame["kind"] == "invoice_discrepancy"].iloc[0]
    assert invoice["model_version"] == invoices.METHOD_VERSION


def test_a_scoped_reader_sees_only_the_verdicts_on_their_warehouse_s_orders(history):
    engine, _, now = history
    _review_some(engine, now)
    with engine.connect() as conn:
        warehouse = conn.execute(sa.text(
            "SELECT o.warehouse FROM risk_flags f JOIN orders o USING (order_id) "
            "WHERE f.status IN ('accepted', 'dismissed') GROUP BY 1 ORDER BY count(*) DESC LIMIT 1")).scalar()
        everyone = risk_reviews.by_version(conn=conn, scope=Scope.everything())
        scoped = risk_reviews.by_version(conn=conn, scope=Scope.of("supervisor", [warehouse]))
    _assert_equal(scoped, _from_raw_review_rows(engine, {warehouse}))
    assert scoped["reviewed"].sum() < everyone["reviewed"].sum()


def test_the_risk_page_s_version_table_reads_the_same_figures(history):
    engine, _, now = history
    _review_some(engine, now)
    with engine.connect() as conn:
        versions = risk_data.models(conn=conn, scope=Scope.everything())
    expected = _from_raw_review_rows(engine, None)
    serving = versions[versions["status"] == "in_service"].iloc[0]
    want = expected[("sla_miss_risk", serving["version"])]
    assert (serving["accepted"], serving["dismissed"]) == (want["accepted"], want["dismissed"])
    assert math.isclose(serving["people_precision"], want["accepted"] / (want["accepted"] + want["dismissed"]))


def test_nothing_reviewed_gives_no_precision_rather_than_zero(history):
    engine, _, now = history
    with engine.begin() as conn:
        invoices.check(conn=conn, now=now, policy=POLICY)
    with engine.connect() as conn:
        frame = risk_reviews.by_version(conn=conn, scope=Scope.everything())
    assert len(frame) and (frame["reviewed"] == 0).all()
    assert frame["precision"].isna().all() and frame["precision_low"].isna().all()


@pytest.mark.parametrize("accepted, n", [(0, 5), (5, 5), (3, 10), (50, 100)])
def test_the_wilson_interval_holds_the_observed_share_and_stays_within_0_and_1(accepted, n):
    low, high = risk_reviews.wilson(accepted, n)
    assert 0.0 <= low <= accepted / n <= high <= 1.0 and high - low < 1.0
    assert risk_reviews.wilson(0, 0) == (None, None)


def test_the_api_answers_the_same_figures_with_their_definition_within_the_caller_s_scope(history):
    engine, _, now = history
    _review_some(engine, now)
    url = engine.url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        warehouse = conn.execute(sa.text("SELECT o.warehouse FROM risk_flags f JOIN orders o USING (order_id) "
                                         "WHERE f.status IN ('accepted', 'dismissed') LIMIT 1")).scalar()
        users.add(conn=conn, username="exec1", password="correct horse battery staple", role="executive")
        users.add(conn=conn, username="exec.scoped", password="correct horse battery staple", role="executive",
                  warehouses=[warehouse])
        users.add(conn=conn, username="finance1", password="correct horse battery staple", role="finance")
        secret = {u: tokens.create(conn=conn, username=u, scopes=["kpis:read"], by="test", now=now).secret
                  for u in ("exec1", "exec.scoped", "finance1")}
    app = create_app(config.load(), db_url=url)
    app.server.config["TESTING"] = True
    client = app.server.test_client()

    def get(user: str):
        return client.get("/api/v1/risk/reviews", headers={"Authorization": f"Bearer {secret[user]}"})

    answer = get("exec1")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["definition"]["formula"].startswith("accepted / (accepted + dismissed)")
    assert body["definition"]["denominator"] and body["definition"]["exclusions"]
    items = {(i["kind"], i["model_version"]): i for i in body["items"] if i["reviewed"]}
    expected = _from_raw_review_rows(engine, None)
    assert set(items) == set(expected)
    for key, i in items.items():
        assert (i["accepted"], i["dismissed"]) == (expected[key]["accepted"], expected[key]["dismissed"])
        assert i["dismissed_by_reason"] == dict(expected[key]["by_reason"]["dismissed"])
        assert math.isclose(i["precision"], i["accepted"] / i["reviewed"])
    scoped = {(i["kind"], i["model_version"]): i for i in get("exec.scoped").get_json()["items"] if i["reviewed"]}
    expected_scoped = _from_raw_review_rows(engine, {warehouse})
    assert {k: (v["accepted"], v["dismissed"]) for k, v in scoped.items()} == {
        k: (v["accepted"], v["dismissed"]) for k, v in expected_scoped.items()}
    # finance may read KPIs but not open /risk: the API shows no role what its pages would not
    assert get("finance1").status_code == 403
