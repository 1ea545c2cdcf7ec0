"""The features are read through COPY as CSV (fast at a million orders); the frame must hold the
very values the query computed: the same as reading the query's rows one by one as tuples."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from tower.db import raw
from tower.risk import features


def _reference(monkeypatch, conn, build) -> pd.DataFrame:
    """The same frame read the plain way: the query's rows as Python tuples."""
    def tuples(conn, subjects, points, params):
        with raw(conn).cursor() as cur:
            params = {**params, "quiet_cap_hours": features.QUIET_CAP_HOURS}
            for name in ("work_mem", subjects, "analyze", "order_facts", "analyze_orders", points, "lanes",
                         "source_events", "analyze_source_events"):
                cur.execute(features._SQL[name], params if "%(" in features._SQL[name] else None)
            cur.execute(features._SQL["features"], params)
            frame = pd.DataFrame.from_records(cur.fetchall(), columns=[d.name for d in cur.description or ()])
            cur.execute(features._SQL["drop"])
        return frame
    with monkeypatch.context() as m:
        m.setattr(features, "_build", tuples)
        return build()


def _assert_same(fast: pd.DataFrame, slow: pd.DataFrame) -> None:
    assert list(fast.columns) == list(slow.columns) and len(fast) == len(slow) > 100
    key = ["order_id", "as_of"]
    fast, slow = fast.sort_values(key).reset_index(drop=True), slow.sort_values(key).reset_index(drop=True)
    for column in fast.columns:
        a, b = fast[column], slow[column]
        if column in features._TIMES:
            assert (pd.to_datetime(a, utc=True) == pd.to_datetime(b, utc=True)).all(), column
        elif column in features._TEXT:
            assert [None if pd.isna(x) else str(x) for x in a] == [None if pd.isna(x) else str(x) for x in b], column
        else:
            x, y = pd.to_numeric(a).astype(float).to_numpy(), pd.to_numeric(b).astype(float).to_numpy()
            assert np.array_equal(x, y, equal_nan=True), column
    assert np.array_equal(features.matrix(fast), features.matrix(slow))


def test_the_open_frame_read_through_copy_equals_the_rows_read_one_by_one(history, monkeypatch):
    engine, _, now = history
    with engine.begin() as conn:
        fast = features.open_frame(conn=conn, as_of=now)
        slow = _reference(monkeypatch, conn, lambda: features.open_frame(conn=conn, as_of=now))
    _assert_same(fast, slow)


def test_the_training_frame_read_through_copy_equals_the_rows_read_one_by_one(history, monkeypatch):
    engine, _, now = history
    window = dict(window_from=now - timedelta(days=40), window_to=now - timedelta(days=10), label_as_of=now)
    with engine.begin() as conn:
        fast = features.training_frame(conn=conn, **window)
        slow = _reference(monkeypatch, conn, lambda: features.training_frame(conn=conn, **window))
    _assert_same(fast, slow)
    assert fast["missed"].notna().any() and str(fast["placed_at"].dtype).startswith("datetime64")
