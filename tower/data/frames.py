"""Missing values in the frames data functions hand to pages and text builders.

With pandas 3 a text column is a string column whose missing values are NaN (a float), so
`row.last_scan_kind or ""` is NaN and `.replace(...)` on it raises. Text builders need one
thing: a missing text is None. Every data function that returns text columns passes its frame
through `missing_as_none` before returning it, and builders that take values from elsewhere
use `text_or_none`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd


def text_or_none(value: Any) -> str | None:
    """`value` if it is a non-empty string, else None (None, NaN, pd.NA, NaT, numbers)."""
    return value if isinstance(value, str) and value != "" else None


def is_missing(value: Any) -> bool:
    """True for None, NaN, pd.NA and NaT (never raises, whatever `value` is)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        return bool(pd.isna(value)) if not isinstance(value, (list, dict, tuple)) else False
    except (TypeError, ValueError):
        return False


def missing_as_none(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with every text (string or object) column as object dtype holding None for
    missing values; numeric and time columns are left as they are (NaN / NaT)."""
    for col in frame.columns:
        series = frame[col]
        if pd.api.types.is_string_dtype(series.dtype) or series.dtype == object:
            frame[col] = pd.Series([None if is_missing(v) else v for v in series], index=frame.index, dtype=object)
    return frame
