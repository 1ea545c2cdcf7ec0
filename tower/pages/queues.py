"""/queues — warehouse supervisors: open orders per warehouse x stage, how old they are against
the stage's critical time, throughput, a 24-hour trend; refreshes by itself.

URL: ?stages=all (every open stage, default: pick, pack, ship), ?refresh=<seconds> (default
30), ?wallboard=1 (large type, no navigation), ?cell=<warehouse>|<stage> (the listed cell);
the trend's range: ?days=1|7|28 (the days before the "as of" time, default the last 24 hours)
or ?from=DAY&to=DAY (whole UTC days), &as_of=TIME (tower/data/periods.py).
A supervisor scoped to warehouses sees only those (checked again in every callback).
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, NoUpdate, Output, State, callback, clientside_callback, ctx, dcc, html, no_update

from tower import clock, params
from tower.auth import current
from tower.components import period_picker
from tower.components.banner import stale_banner
from tower.components.last_good import keeps_last_good
from tower.components.shell import empty_state, loading
from tower.components.tables import simple_table
from tower.components.text import money
from tower.components.timefmt import ago, fmt
from tower.components.url_sync import follow_url
from tower.data import access, freshness, periods, queues
from tower.data import kpis as kpi_data
from tower.figures.queues import depth_trend
from tower.pages import _running

dash.register_page(__name__, path="/queues", title="Queues · tower")

DEFAULT_REFRESH_SECONDS = 30
STATE_WORDS = {"late": ("Late", "red", "✖"), "at_risk": ("At risk", "yellow", "▲"),
               "ok": ("OK", "green", "●"), "empty": ("Empty", "gray", "○"),
               "stock": ("Waiting on stock", "blue", "◐")}


TREND_PERIODS = {"1": "Last 24 hours", "7": "7 days", "28": "28 days"}
DEFAULT_TREND = "1"
PICKER = period_picker.PeriodIds("queues")


def _trend_period(preset: object, days: object, as_of: object) -> periods.Period:
    return period_picker.from_controls(preset, days, as_of, now=clock.now(), presets=TREND_PERIODS,
                                       default=DEFAULT_TREND)


def _trend_window(period: periods.Period) -> tuple[datetime, datetime]:
    """A preset is the rolling days before the as-of time; a custom range its whole UTC days."""
    if period.preset == periods.CUSTOM:
        return period.start_at, period.end_at
    return period.as_of - timedelta(days=int(period.preset)), period.as_of


class Ids:
    SEARCH = "queues-search"
    SEARCH_SET = "queues-search-set"
    INTERVAL = "queues-interval"
    PULL = "queues-pull"  # what the refresh callbacks listen to: the interval, gated (see below)
    TICK = "queues-tick"
    STAGES = "queues-stages"
    MATRIX = "queues-matrix"
    BANNER = "queues-banner"
    TREND = "queues-trend"
    UPDATED_AT = "queues-updated-at"
    RECEIVED_AT = "queues-received-at"
    UPDATED = "queues-updated"
    AS_OF = "queues-as-of"
    SELECTED = "queues-selected"
    CELL_ORDERS = "queues-cell-orders"
    CELL = "queues-cell"  # pattern-matching type of the matrix cells
    WALLBOARD = "queues-wallboard"


def _refresh(value: object) -> int:
    seconds = params.integer(value, low=-10**6, high=10**6)
    return min(600, max(2, seconds)) if seconds else DEFAULT_REFRESH_SECONDS


def _view(value: object) -> dict:
    """The wallboard store's {"big": bool, "refresh": str|None}, whatever the browser sent."""
    view = params.mapping(value)
    return {"big": params.flag(view.get("big")), "refresh": params.text(view.get("refresh"), max_chars=10)}


def _stage_choice(value: object) -> str:
    return params.choice(value, ("all", "warehouse"), default="warehouse")


def _selected(value: object) -> str | None:
    text = params.text(value)
    return text if text and "|" in text else None


def layout(stages: str | None = None, refresh: str | None = None, wallboard: str | None = None,
           cell: str | None = None, **query: str) -> html.Div:
    big = params.flag(wallboard)
    period = periods.resolve(query, now=clock.now(), presets=TREND_PERIODS, default=DEFAULT_TREND)
    seconds = _refresh(refresh)
    stages = _stage_choice(stages)
    refresh = str(seconds) if params.text(refresh) else None
    cell = _selected(cell)
    controls = dmc.Group([
        dmc.SegmentedControl(id=Ids.STAGES, value="all" if stages == "all" else "warehouse",
                             data=[{"value": "warehouse", "label": "Pick · pack · ship"},
                                   {"value": "all", "label": "All open stages"}]),
        dmc.Text(f"Refreshes every {seconds} s.", size="sm", c="dimmed"),
        dmc.Anchor("Wallboard view", href="/queues?" + urlencode({"wallboard": 1, "stages": stages}),
                   size="sm", id="queues-wallboard-link"),
    ], gap="lg", display="none" if big else None)
    return html.Div([
        dcc.Store(id=Ids.SEARCH), dcc.Store(id=Ids.SEARCH_SET),
        dcc.Interval(id=Ids.INTERVAL, interval=seconds * 1000), dcc.Store(id=Ids.PULL, data={"n": 0, "at": 0}),
        dcc.Interval(id=Ids.TICK, interval=1000),
        dcc.Store(id=Ids.UPDATED_AT), dcc.Store(id=Ids.RECEIVED_AT),
        dcc.Store(id=Ids.SELECTED, data=cell), dcc.Store(id=Ids.WALLBOARD, data={"big": big, "refresh": refresh}),
        dmc.Group([dmc.Title("Warehouse queues", order=1 if big else 2),
                   dmc.Stack([dmc.Text("Loading…", id=Ids.UPDATED, size="xl" if big else "sm", c="dimmed",
                                       ta="right", **{"aria-live": "polite"}),
                              dmc.Text(id=Ids.AS_OF, size="sm" if big else "xs", c="dimmed", ta="right")],
                             gap=0)],
                  justify="space-between", align="flex-start"),
        html.Div(id=Ids.BANNER),
        controls,
        dmc.Text("Each cell: open orders waiting in that stage, the oldest one's age, and how many "
                 "have used most of the stage's critical time (from the SLA policy, or the order's "
                 "own due time). The bar splits them by the share of that time used: green under 50%, blue "
                 "50–75%, yellow at risk, red late. Click a cell to list its orders.", size="sm", c="dimmed", mt="xs",
                 display="none" if big else None),
        loading(html.Div(id=Ids.MATRIX, children=empty_state(
            "Loading the queues…", "The first figures appear in a moment."), style={"marginTop": 12})),
        html.Div(id=Ids.CELL_ORDERS, style={"marginTop": 16}),
        period_picker.problem_notice(period),
        html.Div(period_picker.controls("queues", period, TREND_PERIODS,
                                        as_of_given=bool(params.text(query.get("as_of")))),
                 style={"marginTop": 16, **({"display": "none"} if big else {})}),
        dcc.Graph(id=Ids.TREND, config={"displayModeBar": False}, style={"marginTop": 16}),
    ], className="queues-page queues-wallboard" if big else "queues-page")


def _cell(row: dict, big: bool, selected: bool) -> html.Button:
    word, colour, mark = STATE_WORDS[row["state"]]
    late, risk = row["b_late"], row["b_at_risk"]
    stock = int(row.get("waiting_on_stock") or 0)
    lines = [
        dmc.Text(f"{int(row.get('workable', row['depth'])):,}", fz=44 if big else 26, fw=700, lh=1.1),
        dmc.Text(f"to work · +{stock:,} waiting on stock ({queues.STOCK_OWNER})" if stock else "to work",
                 size="lg" if big else "xs", c="dimmed", className="queues-stock"),
        dmc.Badge(f"{mark} {word}", color=colour, variant="filled" if row["state"] == "late" else "light",
                  size="lg" if big else "sm"),
        dmc.Text(f"oldest {ago(row['oldest_age_seconds'])}", size="lg" if big else "xs"),
        dmc.Text(f"{late} late · {risk} at risk", size="lg" if big else "xs", fw=600 if late else 400),
        _bucket_bar(row, big),
        dmc.Text(f"{row['throughput_per_hour']:.0f}/h out", size="lg" if big else "xs", c="dimmed"),
    ]
    return html.Button(
        dmc.Stack(lines, gap=2, align="center"),
        id={"type": Ids.CELL, "key": f"{row['warehouse']}|{row['stage']}"},
        title=(f"{row['warehouse']} {row['stage_label']}: {row['depth']} open, "
               f"{row.get('workable', row['depth'])} the warehouse can work, {stock} waiting on stock; buckets: "
               f"{row['b_fresh']} under 50%, {row['b_watch']} 50–75%, {risk} at risk, {late} late"),
        className=f"queues-cell queues-cell-{row['state']}",
        style={"width": "100%", "minHeight": 150 if big else 104, "cursor": "pointer",
               "border": f"{3 if selected else 1}px solid var(--mantine-color-{colour}-{7 if selected else 4})",
               "borderRadius": 6, "background": f"var(--mantine-color-{colour}-0)", "padding": 6},
    )


BUCKET_COLOURS = {"b_fresh": "#74b816", "b_watch": "#4c6ef5", "b_at_risk": "#fab005", "b_late": "#e03131"}


def _bucket_bar(row: dict, big: bool) -> html.Div:
    """The aging buckets as a bar (share of the critical time used); each part says its bucket
    and count on hover, and the words above carry the same news."""
    parts = [html.Div(title=f"{row[b]} {queues.BUCKET_LABELS[b]}",
                      style={"flex": row[b], "background": BUCKET_COLOURS[b]})
             for b in queues.BUCKETS if row[b]]
    return html.Div(parts, className="queues-buckets", style={
        "display": "flex", "width": "90%", "height": 10 if big else 6, "borderRadius": 3,
        "overflow": "hidden", "margin": "2px 0"})


def _matrix(df, stage_list: list[str], big: bool, selected: str | None) -> dmc.Table:
    rows = []
    cells = {(r["warehouse"], r["stage"]): r for r in df.to_dict("records")}
    for wh in sorted(df["warehouse"].unique()):
        tds = [dmc.TableTd(dmc.Text(wh, fw=700, size="xl" if big else "md"))]
        for stage in stage_list:
            row = cells.get((wh, stage))
            tds.append(dmc.TableTd(_cell(row, big, selected == f"{wh}|{stage}") if row else
                                   dmc.Text("empty", c="dimmed", ta="center", size="lg" if big else "sm")))
        rows.append(dmc.TableTr(tds))
    critical = _running.critical_hours()
    head = [dmc.TableTh("Warehouse", style={"width": 150 if big else 110})] + [
        dmc.TableTh(dmc.Stack([dmc.Text(queues.STAGE_LABELS[s], fw=700, size="xl" if big else "sm"),
                               dmc.Text(f"critical {critical[s]:.0f} h" if s in critical else "",
                                        size="sm" if big else "xs", c="dimmed")],
                              gap=0, align="center")) for s in stage_list]
    return dmc.Table([dmc.TableThead(dmc.TableTr(head)), dmc.TableTbody(rows)],
                     withTableBorder=True, verticalSpacing="xs", id="queues-table",
                     style={"tableLayout": "fixed"})


@callback(
    Output(Ids.MATRIX, "children"), Output(Ids.TREND, "figure"), Output(Ids.BANNER, "children"),
    Output(Ids.UPDATED_AT, "data"), Output(Ids.AS_OF, "children"),
    Input(Ids.PULL, "data"), Input(Ids.STAGES, "value"), Input(Ids.SELECTED, "data"),
    Input(PICKER.preset, "value"), Input(PICKER.range, "value"), Input(PICKER.as_of, "value"),
    State(Ids.WALLBOARD, "data"),
)
@keeps_last_good(outputs=5, notice=2, unchanged=(3,), not_keys=(0,))  # "Updated n s ago" keeps counting
def refresh(_pull: object, stage_choice: str | None, selected: str | None, preset: object, days: object,
            as_of_value: object, view: dict[str, Any]) -> tuple[Any, ...]:
    """The main callback: the matrix, the trend and the stale banner, from one read."""
    view, selected = _view(view), _selected(selected)
    stage_list = list(queues.OPEN_STAGES if _stage_choice(stage_choice) == "all" else queues.WAREHOUSE_STAGES)
    scope = current.scope()
    now = clock.now()
    user = current.user()
    tz = user.time_zone if user else "UTC"
    with access.reading() as conn:
        df = queues.matrix(conn=conn, now=now, critical_hours=_running.critical_hours(), stages=stage_list,
                           scope=scope)
        period = _trend_period(preset, days, as_of_value)
        since, until = _trend_window(period)
        trend, read_from = queues.trend_between(conn=conn, since=since, until=until, stages=stage_list,
                                                scope=scope)
        fresh = freshness.by_source(conn=conn, now=now)
        as_of = queues.as_of(conn=conn)
        backlog = kpi_data.pending_changes(conn=conn)
    banner = stale_banner(fresh, ("erp", "wms"), tz=tz)
    as_of_text = (f"Figures as of {fmt(as_of, tz, seconds=True)} (recomputed every minute)" if as_of else
                  "Figures not computed yet: the collector process computes them every minute.")
    if kpi_data.behind(backlog, now=now):
        # Ages and throughput come from the same job as the KPIs: say when it is behind.
        as_of_text += f" · catching up: {kpi_data.pending_text(backlog)} changed orders not counted yet"
    if df.empty:
        matrix = empty_state("No open orders in these stages",
                             "Nothing is waiting right now" + (f" in {scope.describe()}" if scope.limited else "")
                             + ". Orders appear here within a minute of reaching a stage (the "
                             "collector process recomputes the queues every minute).")
    else:
        matrix = _matrix(df, stage_list, bool(view["big"]), selected)
    where = scope.describe()
    span = (TREND_PERIODS[period.preset].lower() if period.preset != periods.CUSTOM else period.describe())
    if period.preset != periods.CUSTOM and period.as_of < now - timedelta(minutes=1):
        span += f" to {fmt(period.as_of, tz)}"
    rebuilt = " · rebuilt from the orders' stage times" if read_from == "stage times" else ""
    fig = depth_trend(trend, {s: queues.STAGE_LABELS[s] for s in stage_list},
                      title=f"Open orders, {span} ({where}){rebuilt}", tz=tz, large=bool(view["big"]))
    return matrix, fig, banner, time.time() * 1000, as_of_text


# The interval asks for fresh figures only once the last answer has arrived. Dash drops the answer
# to a request that a newer request of the same callback overtook, so on a slow server (a read
# slower than the refresh interval) an ungated interval would replace every request before it
# could answer, and the page would never update. A request that never answers (the figures
# stay as they were, see keeps_last_good) is given up after three intervals, and 30 s at least.
clientside_callback(
    """function(n, interval, pull, received) {
        const now = Date.now();
        pull = pull || {};
        const sent = pull.at || (now - (n || 0) * interval);  // the first read went with the page
        const waiting = !received || received < sent;
        if (waiting && now - sent < Math.max(30000, 3 * interval)) {
            return window.dash_clientside.no_update;
        }
        return {n: (pull.n || 0) + 1, at: now};
    }""",
    Output(Ids.PULL, "data"), Input(Ids.INTERVAL, "n_intervals"), State(Ids.INTERVAL, "interval"),
    State(Ids.PULL, "data"), State(Ids.RECEIVED_AT, "data"),
)


# The browser notes when fresh figures arrived and counts up from there, without a round trip.
clientside_callback(
    "function(updated) { return updated ? Date.now() : window.dash_clientside.no_update; }",
    Output(Ids.RECEIVED_AT, "data"), Input(Ids.UPDATED_AT, "data"),
)
clientside_callback(
    """function(_tick, received) {
        if (!received) { return "Loading…"; }
        const s = Math.max(0, Math.round((Date.now() - received) / 1000));
        return "Updated " + s + " s ago";
    }""",
    Output(Ids.UPDATED, "children"), Input(Ids.TICK, "n_intervals"), Input(Ids.RECEIVED_AT, "data"),
)


@callback(Output(Ids.SELECTED, "data"), Input({"type": Ids.CELL, "key": ALL}, "n_clicks"),
          prevent_initial_call=True)
def select_cell(clicks: list[int | None]) -> str | NoUpdate:
    if not isinstance(ctx.triggered_id, dict) or not isinstance(clicks, list) or not any(clicks):
        return no_update
    return _selected(ctx.triggered_id.get("key")) or no_update


@callback(Output(Ids.CELL_ORDERS, "children"), Output(Ids.SEARCH, "data"),
          Input(Ids.SELECTED, "data"), Input(Ids.PULL, "data"), Input(Ids.STAGES, "value"),
          Input(PICKER.preset, "value"), Input(PICKER.range, "value"), Input(PICKER.as_of, "value"),
          State(Ids.WALLBOARD, "data"))
@keeps_last_good(outputs=2, notice=0, not_keys=(1,))
def cell_orders(selected: str | None, _pull: object, stage_choice: str | None, preset: object, days: object,
                as_of_value: object, view: dict[str, Any]) -> tuple[Any, str]:
    view, selected = _view(view), _selected(selected)
    query: dict[str, str] = {"stages": "all"} if _stage_choice(stage_choice) == "all" else {}
    period = _trend_period(preset, days, as_of_value)
    if period.preset != DEFAULT_TREND or period_picker.as_of_given(as_of_value):
        query.update(period.query(as_of_given=period_picker.as_of_given(as_of_value)))
    if view["big"]:
        query["wallboard"] = "1"
    if view["refresh"]:
        query["refresh"] = view["refresh"]
    if not selected:
        hint = dmc.Text("Click a cell to list its orders.", size="sm", c="dimmed")
        return hint, _search(query)
    warehouse, stage = selected.split("|", 1)
    query["cell"] = selected
    scope = current.scope()
    if not scope.sees(warehouse):
        return dmc.Alert("You are not scoped to that warehouse.", color="yellow"), _search(query)
    user = current.user()
    tz = user.time_zone if user else "UTC"
    with access.reading() as conn:
        df = queues.cell_orders(conn=conn, now=clock.now(), warehouse=warehouse, stage=stage, scope=scope)
    title = dmc.Title(f"{warehouse} · {queues.STAGE_LABELS.get(stage, stage)}: {len(df)} open order"
                      f"{'' if len(df) == 1 else 's'}" + (" (oldest 200)" if len(df) == 200 else ""), order=4)
    if df.empty:
        return [title, empty_state("This queue is empty now", "Its orders moved on since the last refresh.")], \
            _search(query)
    rows = [[dmc.Anchor(r.order_id, href=f"/orders/{r.order_id}"), r.customer_name or "—",
             ago(r.age_seconds), fmt(r.due_at, tz), (r.sla_state or "not evaluated").replace("_", " "),
             r.waiting_on or "—", money(None, r.value)] for r in df.itertuples()]
    table = simple_table(["Order", "Customer", "In stage for", f"Due ({tz})", "SLA", "Waiting on", "Value"],
                         rows, id="queues-orders-table", numeric=[6])
    return [title, table], _search(query)


def _search(query: dict) -> str:
    return "?" + urlencode(query) if query else ""


follow_url(Ids.SEARCH, Ids.SEARCH_SET)
period_picker.register("queues", TREND_PERIODS, default=DEFAULT_TREND, now=clock.now)
