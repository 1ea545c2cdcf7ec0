"""/flow — where the flow as a whole loses time and which orders deviate from the expected flow.

The observed process map (activities, transitions, frequencies, median / p90 business hours,
as a graph and as a table), the slowest transitions by total waiting against the previous
period (each lists the orders behind it), and conformance to the policy's flow model: the rate
over time, each deviation type's share and its cost in cycle time. Every figure says its
formula, denominator and exclusions beside it.

URL: ?days=7|28|90|365 &warehouse= &channel= &tier= &carrier= &object=order|line|shipment|invoice
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components.banner import stale_banner
from tower.components.last_good import keeps_last_good
from tower.components.shell import empty_state, loading
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.components.url_sync import follow_url
from tower.data import access, freshness
from tower.data import flow as data
from tower.figures.flow import conformance_trend, process_map

dash.register_page(__name__, path="/flow", title="Flow · tower")

PERIODS = {"7": "7 days", "28": "28 days", "90": "90 days", "365": "365 days"}
OBJECTS = {"order": "Orders", "line": "Lines", "shipment": "Shipments", "invoice": "Invoices"}
DRILL_ROWS = 200


class Ids:
    PERIOD = "flow-period"
    WAREHOUSE = "flow-warehouse"
    CHANNEL = "flow-channel"
    TIER = "flow-tier"
    CARRIER = "flow-carrier"
    OBJECT = "flow-object"
    BANNER = "flow-banner"
    PERIOD_TEXT = "flow-period-text"
    MAP = "flow-map"
    MAP_TABLE = "flow-map-table"
    BOTTLENECKS = "flow-bottlenecks"
    CONFORMANCE = "flow-conformance"
    TREND = "flow-trend"
    PICKED = "flow-picked"
    DRILL = "flow-drill"
    SEARCH = "flow-search"
    SEARCH_SET = "flow-search-set"
    PICK = "flow-pick"     # pattern-matching type: one button per bottleneck row


def _filters(days: object, warehouse: object, channel: object, tier: object, carrier: object) -> data.FlowFilters:
    return data.last_days(clock.now().date(), int(params.choice(days, PERIODS, default="28")),
                          warehouse=params.text(warehouse) or None, channel=params.text(channel) or None,
                          tier=params.text(tier) or None, carrier=params.text(carrier) or None)


def _object(value: object) -> str:
    return params.choice(value, OBJECTS, default="order")


def layout(days: str | None = None, warehouse: str | None = None, channel: str | None = None,
           tier: str | None = None, carrier: str | None = None, object: str | None = None,  # noqa: A002
           **_: str) -> html.Div:
    days = params.choice(days, PERIODS, default="28")
    chosen = {"warehouse": params.text(warehouse), "channel": params.text(channel), "tier": params.text(tier),
              "carrier": params.text(carrier)}
    with access.reading() as conn:
        options = data.filter_options(conn=conn, scope=current.scope())

    def select(id_: str, label: str, dim: str) -> dmc.Select:
        value = chosen[dim]
        return dmc.Select(id=id_, label=label, value=value, clearable=True, placeholder="All", w=150,
                          data=sorted(set(options[dim]) | ({value} if value else set())))

    return html.Div([
        dcc.Store(id=Ids.SEARCH), dcc.Store(id=Ids.SEARCH_SET), dcc.Store(id=Ids.PICKED),
        dmc.Group([dmc.Title("Flow", order=2), dmc.Text(id=Ids.PERIOD_TEXT, size="sm", c="dimmed")],
                  justify="space-between", align="baseline"),
        html.Div(id=Ids.BANNER),
        dmc.Group([
            dmc.Stack([dmc.Text("Orders placed in", size="sm", fw=500),
                       dmc.SegmentedControl(id=Ids.PERIOD, value=days,
                                            data=[{"value": k, "label": v} for k, v in PERIODS.items()])], gap=2),
            select(Ids.WAREHOUSE, "Warehouse", "warehouse"), select(Ids.CHANNEL, "Channel", "channel"),
            select(Ids.TIER, "Customer tier", "tier"), select(Ids.CARRIER, "Carrier", "carrier"),
            dmc.Stack([dmc.Text("Objects", size="sm", fw=500),
                       dmc.SegmentedControl(id=Ids.OBJECT, value=_object(object),
                                            data=[{"value": k, "label": v} for k, v in OBJECTS.items()])], gap=2),
        ], align="flex-start", gap="md", mt="xs"),
        dmc.Paper([
            dmc.Title("Process map", order=4),
            dmc.Text("Each arrow is a transition between consecutive events of one object: width = how often, "
                     "colour = median business hours (green fast, red slow) on the warehouse's calendar. "
                     "Click the diamond on an arrow for the orders behind it.", size="xs", c="dimmed"),
            loading(dcc.Graph(id=Ids.MAP, config={"displayModeBar": False})),
            html.Details([html.Summary("The process map as a table"), loading(html.Div(id=Ids.MAP_TABLE))]),
        ], withBorder=True, p="md", mt="md"),
        dmc.Paper([
            dmc.Title("Slowest transitions", order=4),
            dmc.Text("Total waiting = the sum of the business hours of every occurrence (frequency × mean "
                     "duration), for the orders placed in the period; change = against the period of the "
                     "same length just before.", size="xs", c="dimmed"),
            loading(html.Div(id=Ids.BOTTLENECKS)),
            loading(html.Div(id=Ids.DRILL, style={"marginTop": 8})),
        ], withBorder=True, p="md", mt="md"),
        dmc.Paper([
            dmc.Title("Conformance to the expected flow", order=4),
            loading(html.Div(id=Ids.CONFORMANCE)),
            loading(dcc.Graph(id=Ids.TREND, config={"displayModeBar": False})),
        ], withBorder=True, p="md", mt="md"),
    ], className="flow-page")


_FILTER_INPUTS = [Input(Ids.PERIOD, "value"), Input(Ids.WAREHOUSE, "value"), Input(Ids.CHANNEL, "value"),
                  Input(Ids.TIER, "value"), Input(Ids.CARRIER, "value")]


def _h(v: Any) -> str:
    return "—" if v is None or pd.isna(v) else f"{v:,.1f} h"


def _map_table(df: pd.DataFrame) -> Component:
    if df.empty:
        return empty_state("No transitions", "No order placed in the period has events yet for these filters.")
    rows = [[r.from_label, r.to_label, f"{r.n:,}",
             "—" if r.from_kind == "start" else _h(r.median_hours),
             "—" if r.from_kind == "start" else _h(r.p90_hours),
             "—" if r.from_kind == "start" else _h(r.median_wall_hours)] for r in df.itertuples()]
    return simple_table(["From", "To", "Times", "Median (business)", "p90 (business)", "Median (wall clock)"],
                        rows, id="flow-map-grid", numeric=[2, 3, 4, 5])


def _change(r: Any) -> str:
    if r.previous_n == 0:
        return "new (none before)"
    sign = "+" if r.change_hours >= 0 else "−"
    pct = "" if r.change_pct is None else f" ({sign}{abs(r.change_pct):.0f}%)"
    return f"{sign}{abs(r.change_hours):,.1f} h{pct}"


def _bottleneck_table(df: pd.DataFrame) -> Component:
    if df.empty:
        return empty_state("Nothing waited", "No transition with a duration in the period.")
    rows = [[i + 1, f"{r.from_label} → {r.to_label}", f"{r.n:,}", _h(r.mean_hours), _h(r.total_hours),
             _h(r.previous_total_hours), _change(r),
             dmc.Button("Orders", id={"type": Ids.PICK, "index": f"{r.from_kind}|{r.to_kind}"}, size="compact-xs",
                        variant="light", **{"aria-label": f"Orders behind {r.from_label} to {r.to_label}"})]
            for i, r in enumerate(df.itertuples())]
    return simple_table(["#", "Transition", "Times", "Mean", "Total waiting", "Previous period", "Change", ""],
                        rows, id="flow-bottleneck-table", numeric=[0, 2, 3, 4, 5])


def _cycle(median: Any, n: int) -> str:
    return f"{_h(median)} (n={n:,})"


def _conformance(summary: dict[str, Any]) -> Component:
    if not summary["orders"]:
        return empty_state("No orders", "No order was placed in the period for these filters.")
    rate = summary["rate"]
    dev = summary["deviations"]
    head = dmc.Group([
        dmc.Stack([dmc.Text("Conformance rate", size="sm", c="dimmed"),
                   dmc.Title(f"{rate * 100:.1f}%", order=2, id="flow-rate"),
                   dmc.Text(f"{summary['conforming']:,} of {summary['orders']:,} orders placed in the period "
                            "have no deviation outside the policy's allowlist (accepted deviations do not count "
                            "against it).", size="xs", c="dimmed", maw=420)], gap=0),
        dmc.Stack([dmc.Text("Cycle time, completed orders (first to last event, business hours, median)",
                            size="sm", c="dimmed"),
                   dmc.Text(f"conforming {_cycle(summary['cycle_median'], summary['cycle_n'])} · deviating "
                            f"{_cycle(summary['deviating_cycle_median'], summary['deviating_cycle_n'])}", size="sm"),
                   dmc.Text("Completed = paid (closed); cancelled and open orders are excluded.", size="xs",
                            c="dimmed")], gap=2),
    ], align="flex-start", gap="xl")
    if dev.empty:
        return dmc.Stack([head, dmc.Text("No deviation found.", size="sm")])
    rows = [[r.label, f"{r.orders:,}", f"{r.share * 100:.1f}%", f"{r.accepted_orders:,}",
             _cycle(r.cycle_median, r.cycle_n), _cycle(r.conforming_cycle_median, r.conforming_cycle_n),
             "—" if pd.isna(r.cycle_delta) else f"{'+' if r.cycle_delta >= 0 else '−'}{abs(r.cycle_delta):,.1f} h"]
            for r in dev.itertuples()]
    table = simple_table(["Deviation", "Orders", "Share of orders", "Accepted (allowlist)",
                          "Cycle time with it", "Cycle time, conforming", "Impact"],
                         rows, id="flow-deviation-table", numeric=[1, 2, 3, 6])
    note = dmc.Text("Share = orders with the deviation (not accepted) / all orders placed in the period. "
                    "Impact = median cycle time of completed orders with the deviation minus that of completed "
                    "conforming orders; n = the completed orders behind each median. An order may have "
                    "several deviations.", size="xs", c="dimmed")
    return dmc.Stack([head, table, note], gap="sm")


@callback(Output(Ids.MAP, "figure"), Output(Ids.MAP_TABLE, "children"), Output(Ids.BOTTLENECKS, "children"),
          Output(Ids.CONFORMANCE, "children"), Output(Ids.TREND, "figure"), Output(Ids.BANNER, "children"),
          Output(Ids.PERIOD_TEXT, "children"), Output(Ids.SEARCH, "data"),
          *_FILTER_INPUTS, Input(Ids.OBJECT, "value"))
@keeps_last_good(outputs=8, notice=5)
def view(days: object, warehouse: object, channel: object, tier: object, carrier: object,
         object_type: object) -> tuple[Any, ...]:
    """The main callback: map, bottlenecks and conformance for the filters."""
    f = _filters(days, warehouse, channel, tier, carrier)
    ot = _object(object_type)
    scope = current.scope()
    now = clock.now()
    with access.reading() as conn:
        transitions = data.process_map(conn=conn, filters=f, scope=scope, object_type=ot)
        slow = data.bottlenecks(conn=conn, filters=f, scope=scope, object_type=ot)
        summary = data.conformance(conn=conn, filters=f, scope=scope)
        rates, types = data.conformance_trend(conn=conn, filters=f, scope=scope, grain="week")
        pending, lagging = data.pending(conn=conn, scope=scope, now=now)
        fresh = freshness.by_source(conn=conn, now=now)
    user = current.user()
    banner: list[Component] = [stale_banner(fresh, tz=user.time_zone if user else "UTC")]
    if lagging:
        banner.append(dmc.Alert(f"{pending:,} changed orders are not in these figures yet: the collector "
                                "process rebuilds them every minute, once no source is reading a backlog.",
                                title="Flow figures are catching up", color="yellow"))
    period = (f"orders placed {f.start:%d %b %Y} – {f.end - pd.Timedelta(days=1):%d %b %Y} (UTC days) · "
              f"{scope.describe()}")
    search = "?" + urlencode({k: v for k, v in (("days", params.choice(days, PERIODS, default="28")),
                                                 ("warehouse", f.warehouse), ("channel", f.channel),
                                                 ("tier", f.tier), ("carrier", f.carrier),
                                                 ("object", None if ot == "order" else ot)) if v})
    return (process_map(transitions, data.activities(transitions)), _map_table(transitions),
            _bottleneck_table(slow), _conformance(summary),
            conformance_trend(rates, types, {k: data.deviation_label(k) for k in set(types["deviation"])}),
            banner, period, search)


@callback(Output(Ids.PICKED, "data"), Input({"type": Ids.PICK, "index": ALL}, "n_clicks"),
          Input(Ids.MAP, "clickData"), prevent_initial_call=True)
def pick(clicks: object, click_data: object) -> Any:
    """The transition picked in the bottleneck table or on the map: 'from|to'."""
    if ctx.triggered_id == Ids.MAP:
        points = params.mapping(click_data).get("points") or []
        custom = points[0].get("customdata") if points and isinstance(points[0], dict) else None
        if isinstance(custom, list) and len(custom) == 2 and all(isinstance(x, str) for x in custom):
            return f"{custom[0]}|{custom[1]}"
        return no_update
    if isinstance(ctx.triggered_id, dict) and isinstance(clicks, list) and any(clicks):
        index = ctx.triggered_id.get("index")
        return index if isinstance(index, str) else no_update
    return no_update


@callback(Output(Ids.DRILL, "children"), Input(Ids.PICKED, "data"), *[State(i.component_id, "value") for i in
          _FILTER_INPUTS], State(Ids.OBJECT, "value"), prevent_initial_call=True)
def drill(picked: object, days: object, warehouse: object, channel: object, tier: object, carrier: object,
          object_type: object) -> Component:
    """The orders behind the picked transition, longest wait first, each linking to its page."""
    text = params.text(picked) or ""
    from_kind, _, to_kind = text.partition("|")
    if not from_kind or not to_kind:
        return html.Div()
    f = _filters(days, warehouse, channel, tier, carrier)
    with access.reading() as conn:
        df = data.transition_orders(conn=conn, filters=f, scope=current.scope(), from_kind=from_kind,
                                    to_kind=to_kind, object_type=_object(object_type), limit=DRILL_ROWS)
    title = f"{data.label(from_kind)} → {data.label(to_kind)}"
    if df.empty:
        return empty_state(f"No orders behind {title}", "Nothing for these filters.")
    user = current.user()
    tz = user.time_zone if user else "UTC"
    rows = [[dmc.Anchor(r.order_id, href=f"/orders/{r.order_id}"), r.object_id if r.object_id != r.order_id else "",
             fmt(r.from_at, tz), fmt(r.to_at, tz), _h(r.business_hours), _h(r.wall_hours), r.warehouse or "—",
             r.carrier or "—"] for r in df.itertuples()]
    return dmc.Stack([
        dmc.Text(f"{title}: the {len(df)} {'longest ' if len(df) == DRILL_ROWS else ''}waits, longest first",
                 fw=600, size="sm", id="flow-drill-title"),
        simple_table(["Order", "Object", f"From ({tz})", f"To ({tz})", "Business hours", "Wall clock",
                      "Warehouse", "Carrier"], rows, id="flow-drill-table", numeric=[4, 5])], gap=4)


follow_url(Ids.SEARCH, Ids.SEARCH_SET)
