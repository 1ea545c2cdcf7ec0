"""Any period on the analytics reads: the URL's period (tower/data/periods.py), the queue trend
over a range no snapshot covers (rebuilt from stage times, checked against a brute-force count
of the same rows), and team figures counted as of a past time."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta, timezone

import sqlalchemy as sa

from tower.data import periods, queues, teams
from tower.data.scope import Scope

EVERYTHING = Scope.everything()
NOW = datetime(2026, 12, 1, 22, 0, tzinfo=timezone.utc)
PRESETS = {"7": "7 days", "28": "28 days"}
T0 = datetime(2017, 3, 1, tzinfo=timezone.utc)


def test_a_custom_range_is_whole_utc_days_both_inclusive_and_counts_as_of_its_end():
    p = periods.resolve({"from": "2017-01-01", "to": "2017-12-31"}, now=NOW, presets=PRESETS, default="28")
    assert (p.start, p.end, p.preset, p.problem) == (date(2017, 1, 1), date(2018, 1, 1), periods.CUSTOM, None)
    assert p.as_of == datetime(2017, 12, 31, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert p.query(as_of_given=False) == {"from": "2017-01-01", "to": "2017-12-31"}


def test_a_preset_counts_back_from_the_as_of_day():
    p = periods.resolve({"days": "7", "as_of": "2017-06-30T18:00"}, now=NOW, presets=PRESETS, default="28")
    assert (p.start, p.last_day) == (date(2017, 6, 24), date(2017, 6, 30))
    assert p.as_of == datetime(2017, 6, 30, 18, 0, tzinfo=timezone.utc)
    assert p.query(as_of_given=True) == {"days": "7", "as_of": "2017-06-30T18:00"}


def test_values_that_cannot_be_read_give_the_default_period_and_say_why():
    for query, words in (({"from": "2017-02-30"}, "is not a day like"),
                         ({"from": "2018-01-01", "to": "2017-01-01"}, "ends (2017-01-01) before it starts"),
                         ({"from": "0001-01-01", "to": "9999-12-31"}, "longer than"),
                         ({"as_of": "tomorrow-ish"}, "counted as of now"),
                         ({"from": ["2017-01-01"], "days": "<b>"}, None)):
        p = periods.resolve(query, now=NOW, presets=PRESETS, default="28")
        assert (p.preset, p.last_day, p.as_of) == ("28", NOW.date(), NOW)
        assert (p.problem is None) if words is None else (words in p.problem)


def _stage_times(engine, rows):
    with engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO order_stage_times (order_id, stage, entered_at, warehouse) "
                             "VALUES (:o, :s, :t, :w)"), [{"o": o, "s": s, "t": t, "w": w} for o, s, t, w in rows])


def _brute_force_depth(rows, stage: str, at: datetime) -> int:
    """Orders that entered `stage` by `at` and had not entered a later stage of the flow by then."""
    flow = list(queues.FLOW)
    by_order: dict[str, dict[str, datetime]] = {}
    for o, s, t, _ in rows:
        by_order.setdefault(o, {})[s] = t
    n = 0
    for times in by_order.values():
        if stage not in times or times[stage] > at:
            continue
        later = [t for s, t in times.items() if (flow.index(s) if s in flow else 99) > flow.index(stage)
                 and t >= times[stage]]
        n += not later or min(later) > at
    return n


def test_the_queue_trend_of_a_range_without_snapshots_is_rebuilt_from_stage_times(engine):
    rng = random.Random(13)
    rows = []
    for i in range(300):
        t = T0 + timedelta(hours=rng.uniform(0, 24 * 20))
        wh = rng.choice(["OLIST", "DAL-1"])
        for stage in ("entered", "validated", "released", "picked", "packed", "shipped"):
            rows.append((f"O-{i}", stage, t, wh))
            if rng.random() < 0.25:
                break
            t += timedelta(hours=rng.expovariate(1 / 30))
        if rng.random() < 0.05:
            rows.append((f"O-{i}", "cancelled", t, wh))
    _stage_times(engine, rows)
    since, until = T0 + timedelta(days=3), T0 + timedelta(days=17)
    with engine.begin() as conn:
        frame, source = queues.trend_between(conn=conn, since=since, until=until, scope=EVERYTHING,
                                             stages=queues.WAREHOUSE_STAGES)
        only_dal, _ = queues.trend_between(conn=conn, since=since, until=until, scope=Scope.of("supervisor", ["DAL-1"]),
                                           stages=("released",))
    assert source == "stage times"
    step = timedelta(minutes=queues.step_minutes_for(since, until))
    assert (until - since) / step <= queues.MAX_POINTS
    got = {(r.taken_at, r.stage): r.depth for r in frame.itertuples()}
    at, checked = since + step, 0
    while at <= until:
        for stage in queues.WAREHOUSE_STAGES:
            want = _brute_force_depth(rows, stage, at)
            assert got.get((at, stage), 0) == want, (at, stage)
            checked += want > 0
        at += step
    assert checked > 50
    dal_rows = [r for r in rows if r[3] == "DAL-1"]
    assert {(r.taken_at, r.depth) for r in only_dal.itertuples()} == {
        (a, d) for a, d in ((since + step * k, _brute_force_depth(dal_rows, "released", since + step * k))
                            for k in range(1, int((until - since) / step) + 1)) if d}


def _exception(conn, *, opened, resolved=None, due, team="warehouse-DAL-1", origin="live"):
    conn.execute(sa.text(
        "INSERT INTO exceptions (order_id, kind, subject, severity, title, team_id, status, opened_at, resolved_at, "
        "due_at, priority, origin) VALUES (NULL, 'late_pick', :subject, 'high', 'Late pick', :team, :status, "
        ":opened, :resolved, :due, 1, :origin)"),
        {"subject": f"s-{opened.isoformat()}-{origin}", "team": team, "status": "resolved" if resolved else "open",
         "opened": opened, "resolved": resolved, "due": due, "origin": origin})


def test_team_figures_count_open_work_as_of_a_past_time_and_rates_over_its_period(engine):
    with engine.begin() as conn:
        # Open at 10 Jan (resolved later, in time); open at 10 Jan and overdue then; opened
        # after it; a history record (never anybody's open work).
        _exception(conn, opened=T0 - timedelta(days=55), resolved=T0 - timedelta(days=40), due=T0 - timedelta(days=30))
        _exception(conn, opened=T0 - timedelta(days=52), resolved=T0 - timedelta(days=45), due=T0 - timedelta(days=51))
        _exception(conn, opened=T0 - timedelta(days=10), due=T0 + timedelta(days=300))
        _exception(conn, opened=T0 - timedelta(days=55), resolved=T0 - timedelta(days=40), due=T0, origin="history")
    as_of = T0 - timedelta(days=50)
    with engine.begin() as conn:
        df = teams.summary(conn=conn, now=as_of, at_risk=0.75, scope=EVERYTHING,
                           since=as_of - timedelta(days=30), until=as_of)
        later = teams.summary(conn=conn, now=T0, at_risk=0.75, scope=EVERYTHING,
                              since=T0 - timedelta(days=60), until=T0)
    row = df.set_index("team_id").loc["warehouse-DAL-1"]
    assert (row["open"], row["overdue"], row["resolved"]) == (2, 1, 0)
    row = later.set_index("team_id").loc["warehouse-DAL-1"]
    assert (row["open"], row["overdue"], row["resolved"], row["resolved_in_time"]) == (1, 0, 2, 1)
