"""Status shown as words plus colour (never colour alone): SLA state, severity, exception and
source status."""

from __future__ import annotations

from typing import Any

import dash_mantine_components as dmc

# value -> (label, colour)
SLA = {
    "on_track": ("On track", "green"),
    "at_risk": ("At risk", "yellow"),
    "breached": ("Breached", "red"),
    "uncertain": ("Uncertain (source stale)", "gray"),
    "closed": ("No open step", "gray"),
    None: ("Not evaluated yet", "gray"),
}
SEVERITY = {
    "low": ("Low", "gray"), "medium": ("Medium", "yellow"),
    "high": ("High", "orange"), "critical": ("Critical", "red"),
}
EXCEPTION_STATUS = {
    "open": ("Open", "red"), "acknowledged": ("Acknowledged", "yellow"),
    "in_progress": ("In progress", "blue"), "on_hold": ("On hold", "gray"),
    "snoozed": ("Snoozed", "gray"), "resolved": ("Resolved", "green"),
}
SOURCE = {
    "fresh": ("Up to date", "green"), "stale": ("Stale", "red"),
    "never": ("No data yet", "gray"), "unknown": ("Not collected", "gray"),
}
_TABLES: dict[str, dict[Any, tuple[str, str]]] = {"sla": SLA, "severity": SEVERITY, "exception": EXCEPTION_STATUS, "source": SOURCE}


def _clean(value):
    # pandas hands missing values over as NaN; they mean "no value", like None.
    return None if value is None or (isinstance(value, float) and value != value) else value


def label(kind: str, value: str | None) -> str:
    value = _clean(value)
    table = _TABLES[kind]
    return table.get(value, (str(value).replace("_", " ").capitalize() if value else table.get(None, ("—",))[0], ""))[0]


def badge(kind: str, value: str | None, **props) -> dmc.Badge:
    """A badge whose text says the state; colour only repeats it."""
    value = _clean(value)
    table = _TABLES[kind]
    text, colour = table.get(value, (label(kind, value), "gray"))
    return dmc.Badge(text, color=colour, variant="light", className="tower-status", **props)


def order_sla(sla_state, order_status: str) -> dmc.Badge:
    """An order's SLA badge: closed and cancelled orders have no clock running."""
    value = _clean(sla_state)
    return badge("sla", "closed" if value is None and order_status != "open" else value)
