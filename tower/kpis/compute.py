"""Pure KPI arithmetic: from aggregated cells (or raw fact rows) to the numbers the page shows.

A *cell* is what `kpi_daily` stores and what the data layer sums per period: one row per
(measure, bucket) with n (rows), num and den (sums). Raw `kpi_facts` rows become cells with
`to_cells`, so the page (summary) and any direct computation follow one definition.
"""

from __future__ import annotations

import math

import pandas as pd

from tower.kpis.registry import BUCKETED, Kpi

CELL_COLUMNS = ["measure", "bucket", "n", "num", "den"]
BUCKETS_PER_HOUR = 60      # duration buckets are whole minutes (kpi_daily.bucket)
MAX_BUCKET = 60000000


def to_cells(facts: pd.DataFrame) -> pd.DataFrame:
    """Raw facts (columns measure, num, den) -> cells (CELL_COLUMNS), bucketing durations
    whose percentiles are shown into whole minutes (rounded down), as kpi_daily does."""
    if facts.empty:
        return pd.DataFrame(columns=CELL_COLUMNS)
    f = facts[["measure", "num", "den"]].copy()
    f["num"] = f["num"].astype(float)
    f["den"] = f["den"].astype(float)
    f["bucket"] = 0
    bucketed = f["measure"].isin(BUCKETED)
    f.loc[bucketed, "bucket"] = (f.loc[bucketed, "num"] * BUCKETS_PER_HOUR).clip(lower=0, upper=MAX_BUCKET).map(math.floor)
    cells = f.groupby(["measure", "bucket"], as_index=False).agg(
        n=("num", "size"), num=("num", "sum"), den=("den", "sum"))
    return cells[CELL_COLUMNS]


def percentile(cells: pd.DataFrame, p: float) -> float | None:
    """Nearest-rank percentile over bucket counts: the smallest bucket b such that at least
    ceil(p * N) values are <= b, in hours (buckets are minutes). None when there are no values."""
    if cells.empty:
        return None
    counts = cells.groupby("bucket")["n"].sum().sort_index()
    total = int(counts.sum())
    if total == 0:
        return None
    rank = max(1, math.ceil(p * total))
    cumulative = counts.cumsum()
    return float(cumulative[cumulative >= rank].index[0]) / BUCKETS_PER_HOUR


def value(kpi: Kpi, cells: pd.DataFrame, *, days: int) -> float | None:
    """The KPI's value over cells of one period (cells of other measures are ignored).
    `days` is the period's length (used by per-week rates). None when nothing was measured."""
    mine = cells[cells["measure"] == kpi.measure] if not cells.empty else cells
    n = float(mine["n"].sum()) if not mine.empty else 0.0
    if kpi.stat == "per_week":
        return n / (days / 7.0) if days > 0 else None
    if n == 0:
        return None
    if kpi.stat == "ratio":
        den = float(mine["den"].sum())
        return float(mine["num"].sum()) / den if den else None
    if kpi.stat == "mean":
        return float(mine["num"].sum()) / n
    if kpi.stat == "p50":
        return percentile(mine, 0.5)
    if kpi.stat == "p90":
        return percentile(mine, 0.9)
    raise ValueError(f"{kpi.id}: unknown statistic {kpi.stat!r}")


def sample_size(kpi: Kpi, cells: pd.DataFrame) -> float:
    """The denominator actually used: sum(den) for ratios, the row count otherwise."""
    mine = cells[cells["measure"] == kpi.measure] if not cells.empty else cells
    if mine.empty:
        return 0.0
    return float(mine["den"].sum()) if kpi.stat == "ratio" else float(mine["n"].sum())
