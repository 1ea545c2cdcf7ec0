"""/review, /risk and the order page's risk panel in a real browser: one click records a verdict
(audited under the signed-in person's name), a scoped supervisor sees only their warehouse's
flags, and the backtest page draws the model against the rules."""

from __future__ import annotations

import math
import re
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import BUILTIN_POLICY
from tower import clock
from tower.db import make_engine
from tower.risk import registry, scoring
from tower.risk.features import FEATURES
from tower.risk.model import LinearModel

_BACKTEST = {
    "model": {"brier": 0.12, "auc": 0.9, "precision": 0.8, "recall": 0.7, "n": 1000, "orders": 100,
              "flagged": 300, "positives": 340, "threshold": 0.5,
              "calibration": [{"predicted": 0.1, "observed": 0.12, "count": 600},
                              {"predicted": 0.8, "observed": 0.75, "count": 400}]},
    "baseline": {"brier": 0.35, "auc": 0.64, "precision": 0.7, "recall": 0.5, "n": 1000, "orders": 100,
                 "flagged": 240, "positives": 340, "threshold": 0.5, "rule": "escalation.at_risk = 0.75",
                 "calibration": [{"predicted": 0.0, "observed": 0.2, "count": 760},
                                 {"predicted": 1.0, "observed": 0.7, "count": 240}]},
    "earlier": {"missed_orders": 34, "flagged_by_both": 30, "only_model": 3, "only_baseline": 0,
                "median_hours": 36.0, "mean_hours": 30.0},
}


@pytest.fixture(scope="module")
def flagged(live_server):
    """A model in service that gives every order 60% (the recommend band), and its flags."""
    now = clock.now()
    n = len(FEATURES)
    model = LinearModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), math.log(0.6 / 0.4))
    engine = make_engine(live_server.db_url)
    try:
        with engine.begin() as conn:
            registry.save(conn=conn, version="sla-miss-browser", model=model, trained_at=now,
                          window_from=now - timedelta(days=60), window_to=now - timedelta(days=10),
                          split_at=now - timedelta(days=25), backtest=_BACKTEST, promote=True, reason="test model")
            result = scoring.score_open(conn=conn, now=now, policy=BUILTIN_POLICY)
            first = conn.execute(sa.text(
                "SELECT f.order_id, o.warehouse FROM risk_flags f JOIN orders o USING (order_id) "
                "WHERE f.status = 'open' ORDER BY f.flag_id LIMIT 1")).one()
        assert result.flags.raised > 0
    finally:
        engine.dispose()
    return live_server, first


def test_one_click_dismisses_a_flag_with_its_reason_and_audits_it(page, flagged, sign_in, shot):
    server, _ = flagged
    sign_in(page, "supervisor")
    page.goto(server.url + "/review")
    buttons = page.get_by_role("button", name="False alarm")
    expect(buttons.first).to_be_visible()
    before = buttons.count()
    shot(page, "queue")
    buttons.first.click()
    expect(page.locator("#review-done")).to_contain_text("dismissed: False alarm")
    expect(page.get_by_role("button", name="False alarm")).to_have_count(before - 1)
    shot(page, "dismissed")
    engine = make_engine(server.db_url)
    try:
        with engine.connect() as conn:
            audit = conn.execute(sa.text("SELECT actor, action, reason, model_version FROM risk_flag_events "
                                         "WHERE action = 'dismissed'")).all()
    finally:
        engine.dispose()
    assert [(a.actor, a.action, a.reason, a.model_version) for a in audit] == [
        (server.users["supervisor"][0], "dismissed", "false_alarm", "sla-miss-browser")]


def test_a_scoped_supervisor_sees_only_their_warehouse_s_flags(page, flagged, sign_in):
    server, _ = flagged
    sign_in(page, "supervisor_scoped")
    page.goto(server.url + "/review")
    expect(page.locator(".review-page")).to_be_visible()
    expect(page.get_by_text("Review queue").first).to_be_visible()
    cells = page.locator(".review-page tbody tr td:nth-child(2)")
    expect(cells.first).to_be_visible()
    assert set(cells.all_inner_texts()) == {"DAL-1"}


def test_the_backtest_page_and_the_order_page_show_the_model(page, flagged, sign_in, shot):
    server, first = flagged
    sign_in(page, "admin")
    page.goto(server.url + "/risk")
    expect(page.locator("#risk-figures")).to_contain_text("Rules: 75% of the SLA")
    expect(page.locator("#risk-earlier")).to_contain_text(re.compile(r"36\.0 hours earlier"))
    expect(page.locator("#risk-calibration .main-svg").first).to_be_visible()
    shot(page, "backtest")
    page.goto(server.url + f"/orders/{first.order_id}")
    expect(page.locator("#order-risk-score")).to_contain_text("60% risk of missing the promise")
