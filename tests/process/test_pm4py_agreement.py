"""tower's flow facts agree with pm4py on the same event log (pm4py: tests and benches only).

- Process map: per-transition frequencies and wall-clock durations (median, sum, mean) equal
  pm4py's performance DFG, for orders, and for lines, shipments and invoices each as their own
  case notion (a line's events: the milestones that name it in attrs.lines or line_no).
- Conformance: on the skeleton of the policy's flow (the mandatory steps in their order, the
  repeatable ones with a self-loop, an order may stop after any step: an open order is a
  prefix), tower's verdicts equal pm4py's token replay and alignments on the Petri net of that
  skeleton, for the factory's orders and for randomly mutated ones (a step dropped, two steps
  swapped, a step done twice, the trace cut short). The net knows no cancellation, so
  cancelled orders are left out; repeats are made next to the original (tower compares first
  occurrences, a net replays every occurrence, which agree only then).
"""

from __future__ import annotations

import dataclasses
import random
from datetime import timedelta

import pandas as pd
import pytest
import sqlalchemy as sa

pm4py = pytest.importorskip("pm4py")

from tests.data import factory  # noqa: E402
from tests.process.skeleton_net import REPEATABLE, SKELETON, skeleton_net  # noqa: E402
from tests.process.test_refresh_matches_reference import NOW, POLICY, deviating_orders  # noqa: E402
from tower.milestones import KINDS  # noqa: E402
from tower.process import refresh  # noqa: E402
from tower.rules.flow_model import parse  # noqa: E402
from tower.store.ingest import ingest  # noqa: E402
from tower.store.milestone import Milestone  # noqa: E402

MANDATORY = set(SKELETON) - {"paid"}
SKELETON_MODEL = parse({"stages": [{"name": k, "steps": {k: {"mandatory": k in MANDATORY, "repeat": k in REPEATABLE}}}
                                   for k in SKELETON], "side_steps": ["cancelled"]})


def _log(conn, object_column: str = "order_id", kinds=None) -> pd.DataFrame:
    if object_column == "line":
        return _sorted(_line_events(conn))
    rows = conn.execute(sa.text(f"SELECT {object_column} AS case_id, kind, occurred_at FROM milestones "  # noqa: S608
                                f"WHERE {object_column} IS NOT NULL")).all()
    df = pd.DataFrame(rows, columns=["case:concept:name", "concept:name", "time:timestamp"])
    if kinds is not None:
        df = df[df["concept:name"].isin(kinds)]
    return _sorted(df)


def _line_events(conn) -> pd.DataFrame:
    """Each order line as its own case: a milestone belongs to every line its attrs.lines names
    (line_no) and to its own line_no column; the same event named twice counts once."""
    events = set()
    for r in conn.execute(sa.text("SELECT order_id, kind, occurred_at, line_no, attrs->'lines' AS lines FROM milestones")):
        lines = {str(e["line_no"]) for e in (r.lines if isinstance(r.lines, list) else [])
                 if isinstance(e, dict) and e.get("line_no") is not None}
        if r.line_no is not None:
            lines.add(str(r.line_no))
        events.update((f"{r.order_id}/{line}", r.kind, r.occurred_at) for line in lines)
    return pd.DataFrame(sorted(events), columns=["case:concept:name", "concept:name", "time:timestamp"])


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["rank"] = df["concept:name"].map(lambda k: KINDS[k].rank)
    df = df.sort_values(["case:concept:name", "time:timestamp", "rank", "concept:name"], ignore_index=True)
    # pm4py orders a case's events by time alone: the log must have no ties for the comparison to be exact.
    assert not df.duplicated(["case:concept:name", "time:timestamp"]).any()
    return df.drop(columns="rank")


@pytest.fixture
def store(engine):
    _, milestones = factory.build(60, now=NOW)
    with engine.begin() as conn:
        assert not ingest(conn=conn, milestones=milestones + deviating_orders(NOW)).rejected
        refresh.refresh(conn=conn, policy=POLICY, order_ids=list(conn.execute(sa.text("SELECT order_id FROM orders")).scalars()))
    return engine


# the factory's invoices have one transition (invoiced -> paid); the other objects many
@pytest.mark.parametrize("object_type, column, at_least", [("order", "order_id", 6), ("shipment", "shipment_id", 6),
                                                           ("invoice", "invoice_id", 1), ("line", "line", 6)])
def test_transition_frequencies_and_durations_equal_pm4pys_performance_dfg(store, object_type, column, at_least):
    with store.connect() as conn:
        log = _log(conn, column)
        ours = pd.DataFrame(conn.execute(sa.text(
            "SELECT from_kind, to_kind, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY wall_hours) AS median, "
            "sum(wall_hours) AS total, avg(wall_hours) AS mean FROM flow_transitions "
            "WHERE object_type = :t AND from_kind <> 'start' GROUP BY 1, 2"), {"t": object_type}).all())
    frequency, start, _end = pm4py.discover_dfg(log)
    performance, _, _ = pm4py.discover_performance_dfg(log)
    assert len(ours) >= at_least
    assert {(r.from_kind, r.to_kind): r.n for r in ours.itertuples()} == dict(frequency)
    for r in ours.itertuples():
        perf = performance[(r.from_kind, r.to_kind)]
        assert r.median * 3600 == pytest.approx(perf["median"], abs=1e-3)
        assert r.total * 3600 == pytest.approx(perf["sum"], abs=1e-3)
        assert r.mean * 3600 == pytest.approx(perf["mean"], abs=1e-3)
    with store.connect() as conn:
        starts = dict(conn.execute(sa.text("SELECT to_kind, count(*) FROM flow_transitions WHERE object_type = :t "
                                           "AND from_kind = 'start' GROUP BY 1"), {"t": object_type}).all())
    assert starts == dict(start)


def mutated_orders(n: int, seed: int = 7) -> list[Milestone]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        trace = SKELETON[: rng.randint(1, len(SKELETON))]
        change = rng.choice(["none", "drop", "swap", "twice", "none"])
        if change == "drop" and len(trace) > 1:
            trace.pop(rng.randrange(len(trace)))
        elif change == "swap" and len(trace) > 1:
            j = rng.randrange(len(trace) - 1)
            trace[j], trace[j + 1] = trace[j + 1], trace[j]
        elif change == "twice":
            j = rng.randrange(len(trace))
            trace.insert(j, trace[j])
        order_id = f"SO-MUT-{i}"
        base = NOW - timedelta(days=2, minutes=i)
        for n_, kind in enumerate(trace):
            attrs = {"warehouse": "ATL-1", "channel": "web", "lines": [{"line_no": 1, "sku": "A", "qty": 1}]} \
                if kind == "placed" else {}
            out.append(Milestone(source="erp", source_event_id=f"{order_id}-{n_}", kind=kind, order_id=order_id,
                                 occurred_at=base + timedelta(hours=3 * n_), attrs=attrs))
    return out


def test_conformance_verdicts_agree_with_token_replay_and_alignments(store):
    skeleton_policy = dataclasses.replace(POLICY, flow_model=SKELETON_MODEL, version=POLICY.version + "-skeleton")
    with store.begin() as conn:
        assert not ingest(conn=conn, milestones=mutated_orders(150)).rejected
        ids = list(conn.execute(sa.text("SELECT order_id FROM orders WHERE status <> 'cancelled'")).scalars())
        refresh.refresh(conn=conn, policy=skeleton_policy, order_ids=ids)
        ours = {r.order_id: not r.deviations for r in conn.execute(sa.text(
            "SELECT order_id, deviations FROM flow_orders WHERE order_id = ANY(:ids)"), {"ids": ids})}
        log = _log(conn, kinds=set(SKELETON))
    log = log[log["case:concept:name"].isin(ids)]
    net, im, fm = skeleton_net()
    replay = pm4py.conformance_diagnostics_token_based_replay(log, net, im, fm)
    aligned = pm4py.conformance_diagnostics_alignments(log, net, im, fm)
    cases = list(dict.fromkeys(log["case:concept:name"]))   # pm4py answers in the log's case order
    by_replay = {c: r["trace_is_fit"] for c, r in zip(cases, replay)}
    by_alignment = {c: a["fitness"] == 1.0 for c, a in zip(cases, aligned)}
    assert sum(not v for v in ours.values()) >= 30 and sum(ours.values()) >= 30   # both verdicts well represented
    assert {c: ours[c] for c in cases} == by_replay
    assert by_replay == by_alignment
