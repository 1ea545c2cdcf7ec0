"""The KPI registry: what every executive number means, in one place.

Each `Kpi` names the measure it reads from `kpi_facts` (one row per order or exception, written
by `tower.kpis.facts`) and the statistic taken over the rows of a period:

    ratio     sum(num) / sum(den)                  (shown as a percentage)
    mean      sum(num) / count(rows)
    p50, p90  nearest-rank percentile of the values rounded down to whole minutes
              (the daily summary keeps minute buckets, so the page and the tests agree exactly);
              a negative duration (out-of-order milestones, e.g. a carrier hand-over
              before the approval) and a duration from a time the source does not record
              (an importer's stamp, attrs.time_known false) are left out
    per_week  count(rows) / (days in period / 7)

A row counts in the period that holds its anchor time (UTC days). The text fields are shown
beside the number on /kpis (the info popover) and in the CSV export, so they are written for an
executive, not for a developer.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    id: str
    name: str
    definition: str
    formula: str
    denominator: str
    exclusions: str
    unit: str            # "%", "h", "d", "/wk"
    target: float
    direction: str       # "higher" is better, or "lower"
    measure: str         # kpi_facts.measure
    stat: str            # ratio | mean | p50 | p90 | per_week
    anchor: str          # which time places a row in a period (shown to the reader)
    group: str           # card group on the page
    filterable: bool = True  # False: region/warehouse/channel/customer filters do not apply
    near: float = 0.05   # within this fraction of the target counts as "near target"


_CANCELLED = "Cancelled orders."
_OUT_OF_ORDER = (" Orders whose milestones are out of order for this span (it would be negative: a carrier"
                 " hand-over before the approval, a delivery before the hand-over), which also raise a"
                 " data-quality exception (milestones_out_of_order) naming the source and both events, and"
                 " orders whose start or end time the source does not record.")

KPIS: tuple[Kpi, ...] = (
    Kpi("cycle_time_p50", "Order cycle time (median)",
        "Time from order placement to the delivery that completed the order; half of the orders are faster.",
        "p50 of (completing delivery time - placed time), to the minute",
        "Orders fully delivered in the period", _CANCELLED + " Orders not yet fully delivered." + _OUT_OF_ORDER,
        "h", 72, "lower", "cycle_time", "p50", "completing delivery", "Cycle time"),
    Kpi("cycle_time_p90", "Order cycle time (90th percentile)",
        "The cycle time that 90% of orders beat: the slow tail customers remember.",
        "p90 of (completing delivery time - placed time), to the minute",
        "Orders fully delivered in the period", _CANCELLED + " Orders not yet fully delivered." + _OUT_OF_ORDER,
        "h", 120, "lower", "cycle_time", "p90", "completing delivery", "Cycle time"),
    Kpi("seg_entry_p50", "Entry time (median)",
        "Order entry: from placement until credit, pricing and stock checks are done.",
        "p50 of (last validation event, or release if none - placed time), to the minute",
        "Orders validated in the period", _CANCELLED + _OUT_OF_ORDER, "h", 4, "lower", "seg_entry", "p50",
        "validation", "Cycle time"),
    Kpi("seg_release_p50", "Release time (median)",
        "From a validated order until it is released to the warehouse.",
        "p50 of (released time - validated time), to the minute",
        "Orders released in the period", _CANCELLED + _OUT_OF_ORDER, "h", 4, "lower", "seg_release", "p50",
        "release", "Cycle time"),
    Kpi("seg_warehouse_p50", "Warehouse time (median)",
        "From release to the warehouse until the last shipment leaves.",
        "p50 of (last shipped time - released time), to the minute",
        "Orders fully shipped in the period", _CANCELLED + _OUT_OF_ORDER, "h", 24, "lower", "seg_warehouse", "p50",
        "completing shipment", "Cycle time"),
    Kpi("seg_transit_p50", "Transit time (median)",
        "From the last shipment leaving until the delivery that completed the order.",
        "p50 of (completing delivery time - last shipped time), to the minute",
        "Orders fully delivered in the period", _CANCELLED + _OUT_OF_ORDER, "h", 48, "lower", "seg_transit", "p50",
        "completing delivery", "Cycle time"),
    Kpi("otif", "On time in full (OTIF)",
        "Orders whose every ordered unit was delivered by the promised time.",
        "orders fully delivered at or before promised_at / orders due",
        "Orders whose promise falls in the period and that are either fully delivered or past their promise",
        _CANCELLED + " Orders without a promised date. Orders not yet due and not yet delivered.",
        "%", 0.95, "higher", "otif", "ratio", "promised time", "Service"),
    Kpi("late_delivery", "Late deliveries",
        "Delivered orders whose completing delivery came after the promise. A promise for a date "
        "(a source whose promises are dates) is kept by a delivery at any time on that day in the "
        "warehouse's time zone. Unlike OTIF, an order not delivered yet is not counted.",
        "orders fully delivered after promised_at / orders fully delivered with a promise",
        "Orders fully delivered in the period that have a promised date",
        _CANCELLED + " Orders without a promised date. Orders not yet fully delivered.",
        "%", 0.05, "lower", "late_delivery", "ratio", "completing delivery", "Service"),
    Kpi("perfect_order", "Perfect order",
        "Delivered on time and in full, no failed delivery attempt, no return, and invoiced exactly as shipped.",
        "perfect orders / orders fully invoiced",
        "Orders with a promised date whose invoicing completed in the period",
        _CANCELLED + " Orders without a promised date. Orders not fully invoiced yet.",
        "%", 0.90, "higher", "perfect_order", "ratio", "completing invoice", "Service"),
    Kpi("fill_order", "Order fill rate",
        "Orders whose first shipment carried every ordered unit (shipments leaving at the same time count as one).",
        "orders complete in their first shipment / orders shipped",
        "Orders whose first shipment left in the period", _CANCELLED,
        "%", 0.95, "higher", "fill_order", "ratio", "first shipment", "Fill rate"),
    Kpi("fill_line", "Line fill rate",
        "Order lines fully shipped in the order's first shipment.",
        "lines complete in the first shipment / lines ordered",
        "Lines (ordered quantity > 0) of orders whose first shipment left in the period",
        _CANCELLED + " Lines with nothing ordered.",
        "%", 0.97, "higher", "fill_line", "ratio", "first shipment", "Fill rate"),
    Kpi("fill_unit", "Unit fill rate",
        "Units shipped in the order's first shipment, out of the units ordered.",
        "sum(min(units in first shipment, units ordered)) / sum(units ordered)",
        "Units ordered on orders whose first shipment left in the period", _CANCELLED,
        "%", 0.98, "higher", "fill_unit", "ratio", "first shipment", "Fill rate"),
    Kpi("on_time_ship", "On-time ship",
        "Orders fully shipped within the warehouse's critical time after release (from the SLA policy).",
        "orders shipped by released_at + warehouse critical time / orders fully shipped",
        "Orders fully shipped in the period", _CANCELLED + " Orders never released.",
        "%", 0.95, "higher", "on_time_ship", "ratio", "completing shipment", "Service"),
    Kpi("invoice_latency", "Invoice latency",
        "Average time from the first shipment to the first invoice.",
        "mean of (first invoice time - first shipped time), in hours",
        "Orders first invoiced in the period", _CANCELLED + " Orders invoiced without a shipment.",
        "h", 24, "lower", "invoice_latency", "mean", "first invoice", "Cash"),
    Kpi("days_to_pay", "Days to pay",
        "Average time from the first invoice to the payment that settled the order.",
        "mean of (last payment time - first invoice time), in days",
        "Orders fully paid in the period", _CANCELLED + " Orders not fully paid.",
        "d", 30, "lower", "days_to_pay", "mean", "settling payment", "Cash"),
    Kpi("exception_resolution", "Exception resolution time",
        "Average time from an exception opening to its resolution.",
        "mean of (resolved_at - opened_at), in hours",
        "Exceptions resolved in the period",
        "Integration incidents (counted separately); exceptions recorded as history (opened and "
        "closed before tower saw the facts: a backfill, an import, a backlog).",
        "h", 24, "lower", "exception_resolution", "mean", "resolution", "Exceptions"),
    Kpi("incident_frequency", "Integration incidents",
        "Integration incidents (a source down or stale) opened per week.",
        "incidents opened / (days in period / 7)",
        "Incidents opened in the period",
        "None. Incidents belong to a source, not to a region or customer, so the filters do not apply.",
        "/wk", 1, "lower", "incidents", "per_week", "incident opened", "Exceptions", filterable=False),
)

BY_ID: dict[str, Kpi] = {k.id: k for k in KPIS}
MEASURES: tuple[str, ...] = tuple(dict.fromkeys(k.measure for k in KPIS))
# Measures whose percentiles are shown keep whole-minute buckets in kpi_daily.
BUCKETED: tuple[str, ...] = tuple(dict.fromkeys(k.measure for k in KPIS if k.stat in ("p50", "p90")))
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(k.group for k in KPIS))


def get(kpi_id: str) -> Kpi:
    """The KPI, or KeyError naming the known ids."""
    try:
        return BY_ID[kpi_id]
    except KeyError:
        raise KeyError(f"unknown KPI {kpi_id!r}; known: {', '.join(BY_ID)}") from None


def status(kpi: Kpi, value: float | None) -> str:
    """'on_target', 'near_target', 'off_target' or 'no_data' for a value against the target."""
    if value is None:
        return "no_data"
    good = value >= kpi.target if kpi.direction == "higher" else value <= kpi.target
    if good:
        return "on_target"
    gap = abs(value - kpi.target) / (abs(kpi.target) or 1.0)
    return "near_target" if gap <= kpi.near else "off_target"


STATUS_WORDS = {"on_target": "On target", "near_target": "Near target",
                "off_target": "Off target", "no_data": "No data"}


def format_value(kpi: Kpi, value: float | None) -> str:
    """The number as shown on a card: 94.2%, 20 min, 52.3 h, 3.4 d, 1.5 /wk (durations keep
    their precision: minutes below an hour, one decimal above)."""
    if value is None:
        return "—"
    if kpi.unit == "%":
        return f"{value * 100:.1f}%"
    if kpi.unit == "h":
        return f"{round(value * 60):.0f} min" if abs(value) < 1 else f"{value:.1f} h"
    if kpi.unit == "d":
        return f"{value:.1f} d"
    return f"{value:.1f} {kpi.unit}"
