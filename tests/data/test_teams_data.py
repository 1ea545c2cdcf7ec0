"""Team figures against a hand-made set of exceptions and audit entries (N = now).

Team billing:
    e1 open, opened N-10h, due N-1h (overdue), assignee ann
    e2 open, opened N-4h, due N+0.5h: 75% of 4.5 h passed at N-0.625h -> at risk, unassigned
    e3 open, opened N-1h, due N+10h, assignee ann
    e4 resolved N-20h (due N-25h: late), opened N-30h, acknowledged N-29h
    e5 resolved N-8h (due N-2h: in time), opened N-10h, acknowledged N-9.5h
    audit: e4 escalated N-24h, resolved N-20h; e5 resolved N-9h, reopened N-8.5h, resolved N-8h
Team transport: nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest
import sqlalchemy as sa

from tower.data import teams
from tower.data.scope import Scope
from tower.kpis import sla
from tower.rules.policy import cached

BUILTIN_POLICY = cached()  # the policy shipped in tower/rules/policy.yaml
AT_RISK = sla.at_risk_share(BUILTIN_POLICY)

EVERYTHING = Scope.everything()

N = datetime(2026, 11, 20, 12, 0, tzinfo=timezone.utc)


def h(hours: float) -> datetime:
    return N + timedelta(hours=hours)


def _exc(conn, *, team, status, opened, due, assignee=None, ack=None, resolved=None) -> int:
    return conn.execute(sa.text(
        "INSERT INTO exceptions (order_id, kind, subject, severity, status, team_id, assignee, title, "
        "opened_at, due_at, acknowledged_at, resolved_at, value_at_risk) VALUES "
        "(NULL, 'stage_overdue', :subject, 'high', :status, :team, :assignee, 't', :opened, :due, :ack, :resolved, 10) "
        "RETURNING exception_id"),
        {"subject": f"s{opened}{due}", "status": status, "team": team, "assignee": assignee,
         "opened": h(opened), "due": h(due), "ack": h(ack) if ack is not None else None,
         "resolved": h(resolved) if resolved is not None else None}).scalar_one()


def _event(conn, exception_id, action, at) -> None:
    conn.execute(sa.text("INSERT INTO exception_events (exception_id, at, actor, action) "
                         "VALUES (:e, :at, 'rules', :a)"), {"e": exception_id, "at": h(at), "a": action})


@pytest.fixture
def seeded(engine):
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO teams (team_id, name, lead_name) VALUES "
                             "('billing', 'Billing', 'Omar'), ('transport', 'Transport', 'Nina') "
                             "ON CONFLICT DO NOTHING"))
        _exc(conn, team="billing", status="open", opened=-10, due=-1, assignee="ann")
        _exc(conn, team="billing", status="open", opened=-4, due=0.5)
        _exc(conn, team="billing", status="acknowledged", opened=-1, due=10, assignee="ann")
        e4 = _exc(conn, team="billing", status="resolved", opened=-30, due=-25, ack=-29, resolved=-20)
        e5 = _exc(conn, team="billing", status="resolved", opened=-10, due=-2, ack=-9.5, resolved=-8)
        _event(conn, e4, "escalated", -24)
        _event(conn, e4, "resolved", -20)
        _event(conn, e5, "resolved", -9)
        _event(conn, e5, "reopened", -8.5)
        _event(conn, e5, "resolved", -8)
    return engine


def test_a_teams_open_at_risk_and_overdue_work_is_counted_now(seeded):
    with seeded.begin() as conn:
        df = teams.summary(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N).set_index("team_id")
    billing = df.loc["billing"]
    assert (billing.open, billing.at_risk, billing.overdue, billing.unassigned) == (3, 1, 1, 1)


def test_rates_come_from_the_period_and_the_audit_trail(seeded):
    with seeded.begin() as conn:
        df = teams.summary(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N, days=7).set_index("team_id")
    b = df.loc["billing"]
    assert b.resolved == 2
    assert b.sla_adherence == pytest.approx(0.5)          # e5 in time, e4 late
    assert b.mttr_seconds == pytest.approx(6 * 3600)      # (10 h + 2 h) / 2
    assert b.mtta_seconds == pytest.approx(0.75 * 3600)   # (1 h + 0.5 h) / 2
    assert b.escalations == 1
    assert b.reopen_rate == pytest.approx(1 / 3)          # 1 reopened / 3 resolved entries


def test_a_team_without_work_shows_zeros_and_no_rates(seeded):
    with seeded.begin() as conn:
        df = teams.summary(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N).set_index("team_id")
    t = df.loc["transport"]
    assert (t.open, t.resolved, t.escalations) == (0, 0, 0)
    assert pd.isna(t.sla_adherence) and pd.isna(t.mttr_seconds)


def test_a_short_period_leaves_older_resolutions_out(seeded):
    with seeded.begin() as conn:
        df = teams.summary(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N, days=0.5).set_index("team_id")
    assert df.loc["billing"].resolved == 1  # only e5 (N-8h) falls in the last 12 h


def test_workload_lists_each_assignee_and_the_unassigned(seeded):
    with seeded.begin() as conn:
        df = teams.workload(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N, team="billing")
    rows = {r.assignee: (r.open, r.overdue, r.at_risk) for r in df.itertuples()}
    assert rows == {"ann": (2, 1, 0), None: (1, 0, 1)}


def test_workload_as_of_a_past_time_counts_the_work_open_then_under_its_assignee_then(engine):
    """Team audit (N = now): x1 opened N-10h, assigned to ann at N-9h, to bob at N-3h, still open;
    x2 opened N-8h, assigned to ann at N-7h, resolved N-2h; x3 opened N-1h (not yet open at N-5h)."""
    def assign(conn, exception_id, who, at):
        conn.execute(sa.text("INSERT INTO exception_events (exception_id, at, actor, action, detail) "
                             "VALUES (:e, :at, 'lead', 'assigned', jsonb_build_object('assignee', CAST(:who AS text)))"),
                     {"e": exception_id, "at": h(at), "who": who})

    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO teams (team_id, name, lead_name) VALUES ('audit', 'Audit', 'Omar') "
                             "ON CONFLICT DO NOTHING"))
        x1 = _exc(conn, team="audit", status="open", opened=-10, due=20, assignee="bob")
        assign(conn, x1, "ann", -9)
        assign(conn, x1, "bob", -3)
        x2 = _exc(conn, team="audit", status="resolved", opened=-8, due=20, assignee="ann", resolved=-2)
        assign(conn, x2, "ann", -7)
        _exc(conn, team="audit", status="open", opened=-1, due=20)
    with engine.begin() as conn:
        then = teams.workload(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=h(-5), team="audit", past=True)
        at_start = teams.workload(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=h(-9.5), team="audit", past=True)
        today = teams.workload(conn=conn, scope=EVERYTHING, at_risk=AT_RISK, now=N, team="audit")
    assert {r.assignee: r.open for r in then.itertuples()} == {"ann": 2}
    assert {r.assignee: r.open for r in at_start.itertuples()} == {None: 1}
    assert {r.assignee: r.open for r in today.itertuples()} == {"bob": 1, None: 1}
