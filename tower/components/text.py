"""Text from the data (names, assignees, ids) made safe for the places that interpret it.

Dash components escape what they are given, but two places do not: plotly renders a subset of
HTML in labels, legends and hover text (`<a href=...>` becomes a live link, `<br>` a line
break), and ag-grid's markdown cell renderer turns `[x](url)` into a link. Every label that
comes from data goes through `label()` (plotly) or `markdown_link()` (markdown cells).
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import quote

from tower.data.frames import is_missing

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def label(value: Any, *, missing: str = "—", max_chars: int = 80) -> str:
    """`value` as plain text for a plotly label: HTML special characters as entities (plotly
    shows them as the characters), cut to `max_chars` with an ellipsis."""
    if is_missing(value):
        return missing
    text = str(value)
    if len(text) > max_chars:
        text = text[: max_chars - 1] + "…"
    return html.escape(text, quote=False)


def labels(values, **kwargs) -> list[str]:
    return [label(v, **kwargs) for v in values]


def markdown_text(value: Any) -> str:
    """`value` with every markdown (and HTML) special character escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", str(value))


def markdown_link(text: Any, path_prefix: str, key: Any) -> str:
    """A markdown link "[text](path_prefix + key)" whose text and target cannot break out:
    the text is escaped, the key percent-encoded (so it stays a path under `path_prefix`)."""
    return f"[{markdown_text(text)}]({path_prefix}{quote(str(key), safe='')})"


def money(currency: Any, value: Any) -> str:
    """"USD 1,234.50"; "—" for a missing amount (never raises on NaN or None)."""
    if is_missing(value):
        return "—"
    try:
        amount = f"{float(value):,.2f}"
    except (TypeError, ValueError):
        return "—"
    return f"{currency} {amount}" if isinstance(currency, str) and currency else amount


def words(value: Any, *, missing: str = "—") -> str:
    """A code in words ("in_transit" -> "in transit"), `missing` for no value."""
    return value.replace("_", " ") if isinstance(value, str) and value else missing
