"""CSV cells a spreadsheet would run as a formula.

A cell that starts with =, +, -, @, a tab or a carriage return is a formula to Excel, LibreOffice
and Google Sheets (OWASP "CSV injection"); a customer name or an assignee typed as
`=HYPERLINK(...)` would run on the finance desk. Such text gets a leading apostrophe, which
spreadsheets show as text. Numbers are left alone: -12.5 is a number, not a formula.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> Any:
    """`value` made safe for a spreadsheet (only text can be a formula)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralise(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of `frame` whose text cells cannot run as formulas."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col].dtype):
            out[col] = out[col].map(cell).astype(object)
    out.columns = [cell(c) if isinstance(c, str) else c for c in out.columns]
    return out
