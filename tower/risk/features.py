"""Point-in-time features of orders, computed set-based in SQL (features.sql), and the numeric
matrix the model reads.

`training_frame(conn=, window_from=, window_to=, label_as_of=)`: one row per (closed order,
moment on a 6-hour grid while it was open and before its promise), with its label `missed`
(delivered after the promise, or not delivered when the promise passed). `open_frame(conn=,
as_of=)`: one row per open order as of now. Both frames have the same columns:

    order_id, as_of (UTC), warehouse, customer_tier, channel, value, n_lines, placed_at,
    promised_at, carrier (of the first shipment once shipped), stage (at as_of: entered,
    credit_hold, backorder, released, picked, packed, shipped), hours_in_stage,
    hours_to_promise, promise_hours, hold_hours, on_hold, lines_short,
    restock_after_promise_hours, carrier_after_promise_hours, queue_depth, queue_age_hours
    (the warehouse's pick queue at as_of), lane_late_rate, lane_shipments (the carrier's lane
    out of the warehouse over the last lane_days), outbound_late_rate (every carrier out of the
    warehouse), next_source (erp before release, wms until shipped, carrier after),
    source_quiet_hours (source freshness: hours since that source last reported on any order of
    the warehouse, as of the point, capped at QUIET_CAP_HOURS), missed (1/0; None when not
    known by label_as_of).

`matrix(frame)` turns a frame into the model's columns (FEATURES), in groups that the reasons
speak of (GROUPS).
"""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from tower import sqlfiles
from tower.db import raw

# Run on the psycopg connection itself: a million rows of features come back as tuples, not
# as SQLAlchemy rows (several times slower to build and to turn into a frame).
_SQL = sqlfiles.load_psycopg(__file__, "features.sql")
STEP_HOURS = 6
STAGES = ("entered", "credit_hold", "backorder", "released", "picked", "packed", "shipped")
TIERS = ("platinum", "gold", "silver", "bronze")
CHANNELS = ("web", "edi", "sales_rep")
_PRE_PICK = ("entered", "credit_hold", "backorder", "released")
QUIET_CAP_HOURS = 72.0

# Feature groups: the unit a reason speaks of, and the ground-truth cause it points at (the
# sandbox's late_causes), if any.
GROUPS: dict[str, tuple[tuple[str, ...], str | None]] = {
    "promise": (("days_to_promise", "promise_days"), None),
    "stage": (tuple(f"stage_{s}" for s in STAGES) + ("log_hours_in_stage",), None),
    "credit": (("hold_days", "on_hold"), "credit_hold_drag"),
    "backorder": (("lines_short", "restock_after_promise_days"), "backorder"),
    "queue": (("log_queue_depth_pre_pick", "queue_age_days_pre_pick"), "congested_pick"),
    "lane": (("lane_late_rate_shipped", "outbound_late_rate_unshipped"), "slow_lane"),
    "carrier_promise": (("carrier_after_promise_days",), None),
    "freshness": (("log_source_quiet_hours",), None),
    "customer": (tuple(f"tier_{t}" for t in TIERS) + tuple(f"channel_{c}" for c in CHANNELS)
                 + ("log_value", "n_lines"), None),
}
FEATURES: tuple[str, ...] = tuple(f for names, _ in GROUPS.values() for f in names)


# The timestamps and the text of a frame (an order id of digits stays text); every other
# column is a number.
_TIMES = ("as_of", "placed_at", "promised_at")
_TEXT = ("order_id", "warehouse", "customer_tier", "channel", "carrier", "stage", "next_source")


class _CopyReader(io.RawIOBase):
    """COPY ... TO STDOUT as a file pandas' C parser reads from, one block at a time."""

    def __init__(self, copy: Any) -> None:
        self._copy, self._rest = copy, memoryview(b"")

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._rest:
            block = self._copy.read()
            if not block:
                return 0
            self._rest = memoryview(block)
        n = min(len(buffer), len(self._rest))
        buffer[:n] = self._rest[:n]
        self._rest = self._rest[n:]
        return n


def _build(conn: Connection, subjects: str, points: str, params: dict) -> pd.DataFrame:
    with raw(conn).cursor() as cur:
        params = {**params, "quiet_cap_hours": QUIET_CAP_HOURS}
        for name in ("work_mem", subjects, "analyze", "order_facts", "analyze_orders", points, "lanes",
                     "source_events", "analyze_source_events"):
            cur.execute(_SQL[name], params if "%(" in _SQL[name] else None)
        # A million rows of features read as CSV through COPY and parsed by pandas' C parser, not
        # as a million Python tuples turned into a frame (that took 12 s of the 1M scoring's 63 s:
        # bench/risk.py). Timestamps print in UTC (this transaction only); float8 prints its
        # shortest exact digits, so every value is the one the query computed.
        cur.execute("SELECT set_config('TimeZone', 'UTC', true)")
        statement = "COPY (" + _SQL["features"].strip().rstrip(";") + ") TO STDOUT WITH (FORMAT csv, HEADER true)"
        with cur.copy(statement, params) as copy:
            frame = pd.read_csv(io.BufferedReader(_CopyReader(copy), 1 << 20), keep_default_na=False,
                                na_values=[""], dtype={c: str for c in _TEXT})
        for column in _TIMES:
            frame[column] = pd.to_datetime(frame[column], utc=True, format="ISO8601")
        cur.execute(_SQL["drop"])  # so a second frame in the same transaction can be built
    return frame


def training_frame(*, conn: Connection, window_from: datetime, window_to: datetime,
                   label_as_of: datetime, lane_days: float = 30.0) -> pd.DataFrame:
    """Labelled points of the orders placed in [window_from, window_to) (see module doc)."""
    return _build(conn, "subjects_training", "points_training", {
        "window_from": window_from, "window_to": window_to, "label_as_of": label_as_of,
        "step_hours": STEP_HOURS, "lane_days": lane_days})


def open_frame(*, conn: Connection, as_of: datetime, lane_days: float = 30.0) -> pd.DataFrame:
    """One point per open order with a promise, as of `as_of` (see module doc)."""
    return _build(conn, "subjects_open", "points_open", {
        "as_of": as_of, "label_as_of": as_of, "step_hours": STEP_HOURS, "lane_days": lane_days})


def _num(frame: pd.DataFrame, column: str, fill: float = 0.0) -> np.ndarray:
    return pd.to_numeric(frame[column], errors="coerce").astype("float64").fillna(fill).to_numpy()


def matrix(frame: pd.DataFrame) -> np.ndarray:
    """The model's columns (FEATURES, in order) for each row of a feature frame."""
    n = len(frame)
    stage = frame["stage"].to_numpy() if n else np.array([], dtype=object)
    pre_pick = np.isin(stage, _PRE_PICK).astype(float)
    shipped = (stage == "shipped").astype(float)
    outbound = _num(frame, "outbound_late_rate", np.nan)
    overall = float(np.nanmean(outbound)) if n and not np.all(np.isnan(outbound)) else 0.0
    outbound = np.where(np.isnan(outbound), overall, outbound)
    lane = _num(frame, "lane_late_rate", np.nan)
    # A lane with few deliveries in its window says little: fall back to the warehouse's.
    lane = np.where(np.isnan(lane) | (_num(frame, "lane_shipments") < 5), outbound, lane)
    tier = frame["customer_tier"].to_numpy() if n else np.array([], dtype=object)
    channel = frame["channel"].to_numpy() if n else np.array([], dtype=object)
    columns = {
        "days_to_promise": np.clip(_num(frame, "hours_to_promise"), -48, 360) / 24,
        "promise_days": np.clip(_num(frame, "promise_hours"), 0, 720) / 24,
        **{f"stage_{s}": (stage == s).astype(float) for s in STAGES},
        "log_hours_in_stage": np.log1p(np.clip(_num(frame, "hours_in_stage"), 0, None)),
        "hold_days": np.clip(_num(frame, "hold_hours"), 0, 720) / 24,
        "on_hold": _num(frame, "on_hold"),
        "lines_short": np.clip(_num(frame, "lines_short"), 0, 50),
        "restock_after_promise_days": np.clip(_num(frame, "restock_after_promise_hours"), -240, 480) / 24,
        "log_queue_depth_pre_pick": np.log1p(_num(frame, "queue_depth")) * pre_pick,
        "queue_age_days_pre_pick": np.clip(_num(frame, "queue_age_hours"), 0, 720) / 24 * pre_pick,
        "lane_late_rate_shipped": lane * shipped,
        "outbound_late_rate_unshipped": outbound * (1 - shipped),
        "carrier_after_promise_days": np.clip(_num(frame, "carrier_after_promise_hours"), -240, 240) / 24,
        "log_source_quiet_hours": np.log1p(np.clip(_num(frame, "source_quiet_hours"), 0, QUIET_CAP_HOURS)),
        **{f"tier_{t}": (tier == t).astype(float) for t in TIERS},
        **{f"channel_{c}": (channel == c).astype(float) for c in CHANNELS},
        "log_value": np.log1p(np.clip(_num(frame, "value"), 0, None)),
        "n_lines": np.clip(_num(frame, "n_lines"), 0, 100),
    }
    if not n:
        return np.zeros((0, len(FEATURES)))
    return np.column_stack([columns[f] for f in FEATURES])


def lane_rate(frame: pd.DataFrame) -> np.ndarray:
    """The lateness rate a reason quotes: the lane's own once shipped, else the warehouse's."""
    m = matrix(frame)
    shipped = frame["stage"].to_numpy() == "shipped"
    return np.where(shipped, m[:, FEATURES.index("lane_late_rate_shipped")],
                    m[:, FEATURES.index("outbound_late_rate_unshipped")])
