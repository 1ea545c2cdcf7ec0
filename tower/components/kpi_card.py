"""A KPI card: the number, its target and status in words and colour, the sample size, and an
info popover with the registry's definition, formula, denominator and exclusions."""

from __future__ import annotations

from functools import lru_cache

import dash_mantine_components as dmc
from dash import html

from tower.kpis.registry import Kpi, format_value

STATUS_COLOURS = {"on_target": "green", "near_target": "yellow", "off_target": "red", "no_data": "gray"}
STATUS_MARKS = {"on_target": "✓", "near_target": "≈", "off_target": "✗", "no_data": "–"}


@lru_cache(maxsize=None)
def definition(kpi: Kpi) -> dmc.Stack:
    """The registry's words for one KPI (the popover body, also used on the drill panel).
    Built once per KPI: the registry is fixed for the life of the process, and the cards
    callback then only builds the numbers."""
    def fact(label: str, text: str) -> dmc.Text:
        return dmc.Text([html.B(f"{label}: "), text], size="sm")

    return dmc.Stack([
        dmc.Text(kpi.definition, size="sm"),
        fact("Formula", kpi.formula),
        fact("Denominator", kpi.denominator),
        fact("Exclusions", kpi.exclusions),
        fact("Counted in the period of its", kpi.anchor + " (UTC days)"),
        fact("Target", f"{'at least' if kpi.direction == 'higher' else 'at most'} "
                       f"{format_value(kpi, kpi.target)}"),
    ], gap=4)


def kpi_card(kpi: Kpi, row: dict, *, drill_id: dict, info_id: dict, selected: bool = False) -> dmc.Card:
    """`row` is one row of tower.data.kpis.kpi_values (as a dict)."""
    status = row["status"]
    colour = STATUS_COLOURS[status]
    sample = row["n"]
    unit = "units" if kpi.measure == "fill_unit" else "lines" if kpi.measure == "fill_line" else \
        "exceptions" if kpi.measure in ("exception_resolution",) else \
        "incidents" if kpi.measure == "incidents" else "orders"
    basis = f"{sample:,.0f} {unit}" if sample else "nothing measured in this period"
    return dmc.Card([
        dmc.Group([
            dmc.Text(kpi.name, fw=600, size="sm", style={"flex": 1}),
            dmc.Popover([
                dmc.PopoverTarget(dmc.ActionIcon("i", variant="light", size="sm", radius="xl",
                                                 id=info_id, **{"aria-label": f"How {kpi.name} is measured"})),
                dmc.PopoverDropdown(definition(kpi), maw=360),
            ], width=360, position="bottom", withArrow=True, shadow="md"),
        ], gap=4, wrap="nowrap", align="flex-start"),
        dmc.Text(row["display"], fz=30, fw=700, className="kpis-value",
                 **{"data-kpi": kpi.id, "data-value": "" if row["value"] is None else repr(float(row["value"]))}),
        dmc.Group([
            dmc.Badge(f"{STATUS_MARKS[status]} {row['status_word']}", color=colour, variant="light"),
            dmc.Text(f"target {'≥' if kpi.direction == 'higher' else '≤'} {row['target_display']}",
                     size="xs", c="dimmed"),
        ], gap=6),
        dmc.Group([
            dmc.Text(basis, size="xs", c="dimmed"),
            dmc.Button("Orders behind it" if kpi.measure not in ("incidents", "exception_resolution") else "Details",
                       id=drill_id, size="compact-xs", variant="subtle"),
        ], justify="space-between", mt=4),
    ], withBorder=True, padding="sm", radius="sm",
        style={"borderLeft": f"5px solid var(--mantine-color-{colour}-6)",
               **({"outline": "2px solid var(--mantine-color-indigo-5)"} if selected else {})})
