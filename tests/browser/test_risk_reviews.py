"""/risk in a real browser: precision judged by people for both flag kinds (SLA-miss risk and
invoice discrepancy), per version, with its sample size and definition beside it, as a
reviewer and an executive see it, scoped to a supervisor's warehouse like the other figures;
and how many reviewed labels the model in service was trained with."""

from __future__ import annotations

import math
from collections import Counter
from datetime import timedelta

import numpy as np
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from tests.browser.conftest import BUILTIN_POLICY
from tower import clock
from tower.data import risk as risk_data
from tower.data.scope import Scope
from tower.db import make_engine
from tower.risk import flags, invoices, registry, scoring
from tower.risk.features import FEATURES
from tower.risk.model import LinearModel

VERSION = "sla-miss-reviews"
_BACKTEST = {
    "model": {"brier": 0.1, "auc": 0.9, "precision": 0.8, "recall": 0.7, "n": 100, "orders": 10, "flagged": 30,
              "positives": 34, "threshold": 0.5, "calibration": []},
    "baseline": {"brier": 0.3, "auc": 0.6, "precision": 0.6, "recall": 0.5, "n": 100, "orders": 10, "flagged": 20,
                 "positives": 34, "threshold": 0.5, "calibration": []},
    "earlier": {"missed_orders": 3, "flagged_by_both": 2, "only_model": 1, "only_baseline": 0, "median_hours": 5.0},
    "training": {"points": 900, "orders": 80, "labels_from_reviews": 17, "reviewed_orders": 3,
                 "reviewed_accepted": 1, "reviewed_dismissed": 2},
}


@pytest.fixture(scope="module")
def judged(live_server):
    """A model in service giving every order 60%, its flags, invoice-check flags on a few
    orders, and people's verdicts on flags of both kinds in every warehouse."""
    now = clock.now()
    n = len(FEATURES)
    model = LinearModel(FEATURES, np.zeros(n), np.ones(n), np.zeros(n), math.log(0.6 / 0.4))
    engine = make_engine(live_server.db_url)
    try:
        with engine.begin() as conn:
            registry.save(conn=conn, version=VERSION, model=model, trained_at=now,
                          window_from=now - timedelta(days=60), window_to=now - timedelta(days=10),
                          split_at=now - timedelta(days=25), backtest=_BACKTEST, promote=True, reason="test model")
            scoring.score_open(conn=conn, now=now, policy=BUILTIN_POLICY)
            invoices.check(conn=conn, now=now, policy=BUILTIN_POLICY)  # registers the check's version
            some = [r.order_id for r in conn.execute(sa.text(
                "SELECT order_id FROM orders WHERE status = 'open' ORDER BY warehouse, order_id"))][::3][:12]
            flags.apply(conn=conn, scored=[flags.Scored(o, 0.9, [{"text": "invoice differs"}]) for o in some],
                        rights=BUILTIN_POLICY.decision_rights[flags.INVOICE_KIND],
                        model_version=invoices.METHOD_VERSION, policy_version=BUILTIN_POLICY.version,
                        exception_spec={}, now=now, kind=flags.INVOICE_KIND, expire=False)
            rows = conn.execute(sa.text("SELECT flag_id, kind FROM risk_flags WHERE status = 'open' "
                                        "ORDER BY kind, flag_id")).all()
            for kind in (flags.KIND, flags.INVOICE_KIND):
                mine = [r.flag_id for r in rows if r.kind == kind]
                assert len(mine) >= 8
                reasons = flags.REVIEW_REASONS_BY_KIND[kind]
                for i, flag_id in enumerate(mine[:16]):
                    verdict = "accept" if i % 3 == 0 else "dismiss"
                    if i % 5 == 4:
                        continue
                    risk_data.review(conn=conn, flag_ids=[flag_id], verdict=verdict,
                                     reason=reasons[verdict][i % 2], actor="someone", now=now,
                                     scope=Scope.everything())
    finally:
        engine.dispose()
    return live_server


def _expected(db_url: str, warehouse: str | None) -> dict[str, dict]:
    """Per kind (one version each here), counted in Python from the audit rows of the verdicts."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            events = conn.execute(sa.text(
                "SELECT e.action, e.reason, e.model_version, f.kind, o.warehouse FROM risk_flag_events e "
                "JOIN risk_flags f USING (flag_id) JOIN orders o ON o.order_id = f.order_id")).all()
    finally:
        engine.dispose()
    out: dict[str, dict] = {}
    for e in events:
        if e.action not in ("accepted", "dismissed") or (warehouse and e.warehouse != warehouse):
            continue
        cell = out.setdefault(e.kind, {"version": e.model_version, "accepted": 0, "dismissed": 0,
                                       "reasons": Counter()})
        cell[e.action] += 1
        cell["reasons"][e.reason] += 1
    return out


def _row_of(page, version: str):
    row = page.locator(f"#risk-reviews tbody tr:has(td:nth-child(2):text-is('{version}'))")
    expect(row).to_have_count(1)
    return row


def _check(page, expected: dict[str, dict]) -> None:
    for kind, want in expected.items():
        row = _row_of(page, want["version"])
        n = want["accepted"] + want["dismissed"]
        cells = row.locator("td")
        expect(cells.nth(0)).to_have_text({"sla_miss_risk": "SLA-miss risk", "invoice_discrepancy":
                                           "Invoice discrepancy"}[kind])
        expect(cells.nth(6)).to_have_text(f"{n:,}")
        expect(cells.nth(7)).to_have_text(f"{want['accepted']:,}")
        expect(cells.nth(8)).to_have_text(f"{want['dismissed']:,}")
        expect(cells.nth(11)).to_contain_text(f"{want['accepted'] / n:.0%} (95%:")
        for reason, count in want["reasons"].items():
            expect(row).to_contain_text(f"{risk_data.REASON_WORDS[reason]} {count:,}")


@pytest.mark.parametrize("role", ["supervisor", "executive"])
def test_risk_shows_precision_judged_by_people_for_both_flag_kinds_with_its_definition(page, judged, sign_in,
                                                                                     shot, role):
    sign_in(page, role)
    page.goto(judged.url + "/risk")
    definition = page.locator("#risk-reviews-definition")
    expect(definition).to_contain_text("accepted / (accepted + dismissed)")
    expect(definition).to_contain_text("Denominator (n)")
    expect(definition).to_contain_text("Exclusions")
    expected = _expected(judged.db_url, None)
    assert set(expected) == {flags.KIND, flags.INVOICE_KIND}
    _check(page, expected)
    expect(page.locator("#risk-labels")).to_contain_text("trained with 3 reviewed labels")
    shot(page, f"reviews-{role}")


def test_a_scoped_supervisor_s_precision_counts_only_their_warehouse(page, judged, sign_in):
    sign_in(page, "supervisor_scoped")
    page.goto(judged.url + "/risk")
    expected = _expected(judged.db_url, "DAL-1")
    everyone = _expected(judged.db_url, None)
    assert expected and sum(v["accepted"] + v["dismissed"] for v in expected.values()) < sum(
        v["accepted"] + v["dismissed"] for v in everyone.values())
    _check(page, expected)
