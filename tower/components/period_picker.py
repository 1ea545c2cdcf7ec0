"""The period controls of the analytics pages: presets, a custom range picker and an "as of"
time, all kept in the URL (see tower/data/periods.py for what the values mean).

A page builds the controls with `controls(prefix, period, presets)`, reads them back in its
callbacks with `from_controls(...)`, and registers `register(prefix)` once at import so that
picking a range switches the preset to "Custom" and picking a preset shows its days in the
range picker.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Mapping

import dash_mantine_components as dmc
from dash import Input, Output, callback, ctx, no_update

from tower import params
from tower.data.periods import CUSTOM, Period, resolve


class PeriodIds:
    """The component ids of one page's period controls ("<prefix>-period" ...)."""

    def __init__(self, prefix: str) -> None:
        self.preset = f"{prefix}-period"
        self.range = f"{prefix}-range"
        self.as_of = f"{prefix}-as-of-input"
        self.problem = f"{prefix}-period-problem"


def controls(prefix: str, period: Period, presets: Mapping[str, str], *, as_of_given: bool) -> dmc.Group:
    """Preset buttons (plus "Custom"), the range picker and the "as of" picker for `period`."""
    ids = PeriodIds(prefix)
    data = [{"value": k, "label": v} for k, v in presets.items()] + [{"value": CUSTOM, "label": "Custom"}]
    as_of = period.as_of.strftime("%Y-%m-%d %H:%M:%S") if as_of_given else None
    return dmc.Group([
        dmc.Stack([dmc.Text("Period", size="sm", fw=500),
                   dmc.SegmentedControl(id=ids.preset, value=period.preset, data=data)], gap=2),
        dmc.DatePickerInput(id=ids.range, type="range", label="Days (UTC)", w=250,
                            value=[period.start.isoformat(), period.last_day.isoformat()],
                            valueFormat="YYYY-MM-DD", allowSingleDateInRange=True),
        dmc.DateTimePicker(id=ids.as_of, label="As of (UTC)", value=as_of, clearable=True, w=200,
                           placeholder="now", valueFormat="YYYY-MM-DD HH:mm", withSeconds=False),
    ], gap="sm", align="flex-end")


def problem_notice(period: Period) -> Any:
    """A plain notice when a URL value was not used (None when all were)."""
    if not period.problem:
        return None
    return dmc.Alert(period.problem, title="Part of the address was not understood", color="yellow",
                     id="period-problem")


def _day_text(value: Any) -> str | None:
    # The picker sends "YYYY-MM-DD" (or with a time part in some versions): keep the day.
    text = params.text(value, max_chars=40)
    return text[:10] if text else None


def from_controls(preset: Any, days: Any, as_of: Any, *, now: datetime, presets: Mapping[str, str],
                  default: str) -> Period:
    """The period the controls show: the preset, or the picked range when the preset is Custom."""
    query: dict[str, Any] = {"as_of": as_of}
    picked = _picked(days)
    if preset == CUSTOM and picked:
        query["from"], query["to"] = picked
    else:
        query["days"] = preset
    return resolve(query, now=now, presets=presets, default=default)


def _picked(days: Any) -> tuple[str, str] | None:
    """Both ends of a picked range as days, or None while the range is incomplete (the first
    click sends [day, null])."""
    if not isinstance(days, list) or len(days) != 2:
        return None
    first, last = _day_text(days[0]), _day_text(days[1])
    return (first, last) if first and last else None


def as_of_given(value: Any) -> bool:
    return bool(params.text(value))


def register(prefix: str, presets: Mapping[str, str], *, default: str, now: Callable[[], datetime]) -> None:
    """Keep the preset and the range picker in step (one callback, so no cycle between two)."""
    ids = PeriodIds(prefix)

    @callback(Output(ids.preset, "value"), Output(ids.range, "value"),
              Input(ids.preset, "value"), Input(ids.range, "value"), Input(ids.as_of, "value"),
              prevent_initial_call=True)
    def _sync(preset: Any, days: Any, as_of: Any) -> tuple[Any, Any]:
        if ctx.triggered_id == ids.range:
            return (CUSTOM if _picked(days) else no_update), no_update
        if preset == CUSTOM:
            return no_update, no_update
        period = from_controls(preset, None, as_of, now=now(), presets=presets, default=default)
        return no_update, [period.start.isoformat(), period.last_day.isoformat()]

