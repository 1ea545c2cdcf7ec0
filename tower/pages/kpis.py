"""/kpis — executives: the KPI registry's numbers with targets and status in words, weekly or
monthly trends, the orders behind each number, CSV export.

URL (a shareable view): ?days=7|28|90|365 or ?from=DAY&to=DAY (a custom range of UTC days,
both inclusive: the days `tower kpis show --from --to` reads), &as_of=TIME (presets count back
from it; tower/data/periods.py), &region= &warehouse= &channel= &customer= (customer
id) &kpi=<kpi id> (the trend and drill-down shown) &grain=week|month.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
import pandas as pd
from dash import ALL, Input, NoUpdate, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components import period_picker
from tower.components.banner import stale_banner
from tower.components.kpi_card import definition, kpi_card
from tower.components.last_good import keeps_last_good
from tower.components.shell import empty_state, loading
from tower.components.text import markdown_link
from tower.components.timefmt import fmt
from tower.components.url_sync import follow_url
from tower.data import access, freshness, periods
from tower.data import kpis as data
from tower.data.csv_safe import neutralise
from tower.figures.kpis import trend as trend_figure
from tower.kpis.registry import BY_ID, GROUPS, KPIS

dash.register_page(__name__, path="/kpis", title="KPIs · tower")

PERIODS = {"7": "7 days", "28": "28 days", "90": "90 days", "365": "365 days"}
DIMS = ("region", "warehouse", "channel")
DRILL_ROWS = 200


class Ids:
    PERIOD = "kpis-period"
    REGION = "kpis-region"
    WAREHOUSE = "kpis-warehouse"
    CHANNEL = "kpis-channel"
    CUSTOMER = "kpis-customer"
    KPI = "kpis-kpi"
    GRAIN = "kpis-grain"
    BANNER = "kpis-banner"
    PERIOD_TEXT = "kpis-period-text"
    CARDS = "kpis-cards"
    TREND = "kpis-trend"
    DRILL = "kpis-drill"
    DRILL_GRID = "kpis-drill-grid"
    DEFINITION = "kpis-definition"
    CSV_KPIS = "kpis-csv-kpis"
    CSV_ORDERS = "kpis-csv-orders"
    DOWNLOAD = "kpis-download"
    SEARCH = "kpis-search"
    SEARCH_SET = "kpis-search-set"
    CARD_DRILL = "kpis-card-drill"   # pattern-matching type
    CARD_INFO = "kpis-card-info"     # pattern-matching type


DEFAULT_PERIOD = "28"
PICKER = period_picker.PeriodIds("kpis")


def _period(preset, days, as_of) -> periods.Period:
    return period_picker.from_controls(preset, days, as_of, now=clock.now(), presets=PERIODS,
                                       default=DEFAULT_PERIOD)


def _filters(period: periods.Period, region, warehouse, channel, customer) -> data.KpiFilters:
    # The same filters `tower kpis show --from --to` builds: whole UTC days, end exclusive.
    return data.KpiFilters(start=period.start, end=period.end,
                           region=params.text(region) or None, warehouse=params.text(warehouse) or None,
                           channel=params.text(channel) or None, customer=params.text(customer) or None)


def _kpi(value: object):
    return BY_ID.get(params.choice(value, BY_ID, default="otif"))


def _grain(value: object) -> str:
    return params.choice(value, data.GRAINS, default="week")


def layout(region: str | None = None, warehouse: str | None = None,
           channel: str | None = None, customer: str | None = None, kpi: str | None = None,
           grain: str | None = None, **query: str) -> html.Div:
    period = periods.resolve(query, now=clock.now(), presets=PERIODS, default=DEFAULT_PERIOD)
    region, warehouse, channel = params.text(region), params.text(warehouse), params.text(channel)
    customer, kpi, grain = params.text(customer), _kpi(kpi).id, _grain(grain)
    with access.reading() as conn:  # the filter choices: a bounded read of the daily summary
        options = data.filter_options(conn=conn, today=period.as_of.date(), scope=current.scope())

    def select(id_, label, dim, value):
        choices = sorted(set(options[dim]) | ({value} if value else set()))
        return dmc.Select(id=id_, label=label, value=value, data=choices, clearable=True,
                          placeholder="All", w=150)

    return html.Div([
        dcc.Store(id=Ids.SEARCH), dcc.Store(id=Ids.SEARCH_SET), dcc.Download(id=Ids.DOWNLOAD),
        dmc.Group([dmc.Title("KPIs", order=2), dmc.Text(id=Ids.PERIOD_TEXT, size="sm", c="dimmed")],
                  justify="space-between", align="baseline"),
        html.Div(id=Ids.BANNER),
        period_picker.problem_notice(period),
        period_picker.controls("kpis", period, PERIODS, as_of_given=bool(params.text(query.get("as_of")))),
        dmc.Group([
            select(Ids.REGION, "Region", "region", region),
            select(Ids.WAREHOUSE, "Warehouse", "warehouse", warehouse),
            select(Ids.CHANNEL, "Channel", "channel", channel),
            dmc.TextInput(id=Ids.CUSTOMER, label="Customer id", value=customer or "", w=150,
                          placeholder="e.g. C-1001", debounce=600),
            dmc.Button("Download KPIs (CSV)", id=Ids.CSV_KPIS, variant="light", mt=22),
        ], align="flex-start", gap="md", mt="xs"),
        loading(html.Div(id=Ids.CARDS, style={"marginTop": 12})),
        dmc.Paper([
            dmc.Group([
                dmc.Select(id=Ids.KPI, label="Trend and orders of", value=kpi,
                           data=[{"value": k.id, "label": k.name} for k in KPIS], w=320, allowDeselect=False),
                dmc.SegmentedControl(id=Ids.GRAIN, value=grain, mt=22,
                                     data=[{"value": "week", "label": "Weekly (13 weeks)"},
                                           {"value": "month", "label": "Monthly (12 months)"}]),
                dmc.Button("Download these orders (CSV)", id=Ids.CSV_ORDERS, variant="light", mt=22),
            ], align="flex-start"),
            html.Div(id=Ids.DEFINITION, style={"marginTop": 8}),
            loading(dcc.Graph(id=Ids.TREND, config={"displayModeBar": False})),
            loading(html.Div(id=Ids.DRILL)),
        ], withBorder=True, p="md", mt="lg"),
    ], className="kpis-page")


_FILTER_INPUTS = [Input(Ids.PERIOD, "value"), Input(PICKER.range, "value"), Input(PICKER.as_of, "value"),
                  Input(Ids.REGION, "value"), Input(Ids.WAREHOUSE, "value"),
                  Input(Ids.CHANNEL, "value"), Input(Ids.CUSTOMER, "value")]


@callback(Output(Ids.CARDS, "children"), Output(Ids.BANNER, "children"), Output(Ids.PERIOD_TEXT, "children"),
          *_FILTER_INPUTS, Input(Ids.KPI, "value"))
@keeps_last_good(outputs=3, notice=1)
def cards(preset: str | None, days: Any, as_of: str | None, region: str | None, warehouse: str | None,
          channel: str | None, customer: str | None, selected: str | None) -> tuple[Any, Component, str]:
    """The main callback: every KPI of the registry for the filters, grouped as cards."""
    period = _period(preset, days, as_of)
    f = _filters(period, region, warehouse, channel, customer)
    selected = _kpi(selected).id
    now = clock.now()
    with access.reading() as conn:
        values = data.kpi_values(conn=conn, filters=f, scope=current.scope())
        fresh = freshness.by_source(conn=conn, now=now)
        backlog = data.pending_changes(conn=conn)
        span = data.kpi_span(conn=conn, scope=current.scope()) if not values["n"].any() else (None, None)
    user = current.user()
    rows = {r["kpi_id"]: r for r in values.to_dict("records")}
    sections = []
    for group in GROUPS:
        cards_ = [kpi_card(k, rows[k.id], drill_id={"type": Ids.CARD_DRILL, "index": k.id},
                           info_id={"type": Ids.CARD_INFO, "index": k.id}, selected=k.id == selected)
                  for k in KPIS if k.group == group]
        sections.append(dmc.Stack([dmc.Text(group, fw=600, c="dimmed", size="sm"),
                                   dmc.SimpleGrid(cards_, cols={"base": 1, "sm": 2, "md": 3, "xl": 4},
                                                  spacing="sm")], gap=4))
    period_text = (period.describe() + (f" · as of {period.as_of:%d %b %Y %H:%M} UTC" if as_of else "")
                   + (f" · customer {f.customer}" if f.customer else ""))
    if not values["n"].any():
        first, last = span
        held = (f" The store holds KPI data from {first:%d %b %Y} to {last:%d %b %Y}: pick those days "
                "with Custom." if first and last else "")
        sections.insert(0, empty_state("No KPI data for these filters", "Nothing was measured in the "
                                       "period: widen the period or clear a filter. Figures are "
                                       "updated by the collector process every minute." + held))
    if data.behind(backlog, now=now):
        sections.insert(0, dmc.Alert(
            f"{data.pending_text(backlog)} changed orders and exceptions are not counted yet (the oldest "
            f"changed {fmt(backlog['oldest'], user.time_zone if user else 'UTC')}): the figures below are "
            "incomplete until the collector's KPI job, which folds in every change each minute, "
            "catches up.", title="KPI figures are catching up", color="yellow"))
    return dmc.Stack(sections, gap="md"), stale_banner(fresh, tz=user.time_zone if user else "UTC"), period_text


@callback(Output(Ids.KPI, "value"), Input({"type": Ids.CARD_DRILL, "index": ALL}, "n_clicks"),
          prevent_initial_call=True)
def pick_from_card(clicks: list[int | None]) -> str | NoUpdate:
    if not isinstance(ctx.triggered_id, dict) or not isinstance(clicks, list) or not any(clicks):
        return no_update
    index = ctx.triggered_id.get("index")
    return index if isinstance(index, str) and index in BY_ID else no_update


@callback(Output(Ids.TREND, "figure"), Output(Ids.DRILL, "children"), Output(Ids.DEFINITION, "children"),
          Output(Ids.SEARCH, "data"), *_FILTER_INPUTS, Input(Ids.KPI, "value"), Input(Ids.GRAIN, "value"))
@keeps_last_good(outputs=4, notice=1)
def trend_and_drill(preset: str | None, days: Any, as_of: str | None, region: str | None,
                    warehouse: str | None, channel: str | None, customer: str | None, kpi_id: str,
                    grain: str) -> tuple[Any, ...]:
    """The selected KPI's trend and the orders behind it (worst first)."""
    kpi, grain = _kpi(kpi_id), _grain(grain)
    period = _period(preset, days, as_of)
    f = _filters(period, region, warehouse, channel, customer)
    # The trend ends with the period and covers at least 13 weeks / 12 months (all of a longer one).
    start, _ = data.trend_window(period.last_day, grain)
    window = data.KpiFilters(start=min(start, period.start), end=period.end, region=f.region, warehouse=f.warehouse,
                             channel=f.channel, customer=f.customer)
    scope = current.scope()
    with access.reading() as conn:
        tr = data.kpi_trend(conn=conn, filters=window, kpi_id=kpi.id, grain=grain, scope=scope)
        orders = data.kpi_orders(conn=conn, filters=f, kpi_id=kpi.id, limit=DRILL_ROWS, scope=scope)
    search = "?" + urlencode({**period.query(as_of_given=period_picker.as_of_given(as_of)),
                              **{k: v for k, v in (("region", f.region), ("warehouse", f.warehouse),
                                                 ("channel", f.channel), ("customer", f.customer),
                                                 ("kpi", kpi.id), ("grain", grain)) if v}})
    about = dmc.Alert(definition(kpi), title=kpi.name + (" — the filters do not apply" if not kpi.filterable else ""),
                      color="indigo", variant="light")
    return trend_figure(kpi, tr, grain=grain), _drill_table(kpi, orders), about, search


def _drill_table(kpi, orders: pd.DataFrame):
    if orders.empty:
        return empty_state("Nothing behind this number yet", "No order counted in this KPI for the "
                           "period and filters.")
    user = current.user()
    tz = user.time_zone if user else "UTC"
    # A grid with plain row data: hundreds of rows cost little to send, and stay sortable.
    rows = [{"order": markdown_link(r.order_id, "/orders/", r.order_id) if isinstance(r.order_id, str) else "—",
             "order_id": r.order_id if isinstance(r.order_id, str) else None,
             "customer": r.customer_name if isinstance(r.customer_name, str) else "—",
             "warehouse": r.warehouse, "channel": r.channel, "counted_at": fmt(r.anchor_at, tz),
             "result": r.result, "value": "—" if pd.isna(r.order_value) else f"{r.order_value:,.2f}"}
            for r in orders.itertuples()]
    columns = [{"field": "order", "headerName": "Order", "cellRenderer": "markdown", "width": 150},
               {"field": "customer", "headerName": "Customer", "flex": 2},
               {"field": "warehouse", "headerName": "Warehouse", "width": 120},
               {"field": "channel", "headerName": "Channel", "width": 110},
               {"field": "counted_at", "headerName": f"Counted at ({tz})", "flex": 1},
               {"field": "result", "headerName": "Result", "width": 120},
               {"field": "value", "headerName": "Value", "width": 120, "type": "rightAligned"}]
    return [dmc.Text(f"The {len(orders)} {'first ' if len(orders) == DRILL_ROWS else ''}rows behind "
                     f"{kpi.name}, misses and slowest first (all of them in the CSV).", size="sm", c="dimmed",
                     mt="sm"),
            dag.AgGrid(id=Ids.DRILL_GRID, rowData=rows, columnDefs=columns, className="ag-theme-quartz",
                       dashGridOptions={"rowHeight": 34}, style={"height": 420})]


@callback(Output(Ids.DOWNLOAD, "data"), Input(Ids.CSV_KPIS, "n_clicks"), Input(Ids.CSV_ORDERS, "n_clicks"),
          State(Ids.PERIOD, "value"), State(PICKER.range, "value"), State(PICKER.as_of, "value"),
          State(Ids.REGION, "value"), State(Ids.WAREHOUSE, "value"),
          State(Ids.CHANNEL, "value"), State(Ids.CUSTOMER, "value"), State(Ids.KPI, "value"),
          prevent_initial_call=True)
def download(_a: int | None, _b: int | None, preset: str | None, days: Any, as_of: str | None,
             region: str | None, warehouse: str | None, channel: str | None, customer: str | None,
             kpi_id: str) -> dict[str, Any]:
    f = _filters(_period(preset, days, as_of), region, warehouse, channel, customer)
    kpi_id = _kpi(kpi_id).id
    scope = current.scope()
    f = data.within(f, scope)  # the file says which warehouse it counts
    stamp = f"{f.start:%Y%m%d}-{f.end:%Y%m%d}"
    with access.reading() as conn:
        if ctx.triggered_id == Ids.CSV_ORDERS:
            frame = data.kpi_orders(conn=conn, filters=f, kpi_id=kpi_id, limit=1_000_000, scope=scope)
            return dcc.send_data_frame(neutralise(frame).to_csv, f"kpi-{kpi_id}-orders-{stamp}.csv", index=False,
                                       lineterminator="\r\n")
        frame = data.kpi_values(conn=conn, filters=f, scope=scope)
    regs = pd.DataFrame([{"kpi_id": k.id, "definition": k.definition, "formula": k.formula,
                          "denominator": k.denominator, "exclusions": k.exclusions} for k in KPIS])
    frame = frame.merge(regs, on="kpi_id")
    for dim in (*DIMS, "customer"):
        frame[f"filter_{dim}"] = getattr(f, dim) or "all"
    frame["period_start"], frame["period_end_exclusive"] = f.start, f.end
    return dcc.send_data_frame(neutralise(frame).to_csv, f"kpis-{stamp}.csv", index=False, lineterminator="\r\n")


follow_url(Ids.SEARCH, Ids.SEARCH_SET)
period_picker.register("kpis", PERIODS, default=DEFAULT_PERIOD, now=clock.now)
