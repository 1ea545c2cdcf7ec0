"""/integrations — per source and stream: status in words (up / catching up / degraded / down)
with the reason, last success, data lag in event time, records per run, error rate; recent
errors; dead letters (view and, for administrators, replay); open integration incidents with
the orders and value they hold; outbound notifications and their dead letters (pages/_notifications.py).
Refreshes every 30 s.
"""

from __future__ import annotations

import json
from typing import Any

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import ALL, Input, NoUpdate, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components.banner import stale_banner
from tower.components.shell import empty_state, loading
from tower.components.tables import simple_table
from tower.components.text import money, words
from tower.components.timefmt import ago, fmt
from tower.data import access, edi, freshness, integrations
from tower.pages import _notifications, _running

dash.register_page(__name__, path="/integrations", title="Integrations · tower")

STATUS = {"up": ("● Up", "green"), "catching_up": ("↻ Catching up", "blue"),
          "degraded": ("▲ Degraded", "yellow"), "down": ("✖ Down", "red")}
REFRESH_SECONDS = 30


class Ids:
    INTERVAL = "integrations-interval"
    BANNER = "integrations-banner"
    STREAMS = "integrations-streams"
    ERRORS = "integrations-errors"
    INCIDENTS = "integrations-incidents"
    INCIDENT_ORDERS = "integrations-incident-orders"
    INCIDENT_BUTTON = "integrations-incident"   # pattern-matching type
    LETTERS = "integrations-letters"
    LETTER_DETAIL = "integrations-letter-detail"
    LETTERS_COUNT = "integrations-letters-count"
    REPLAY = "integrations-replay"
    REPLAY_RESULT = "integrations-replay-result"
    UPDATED = "integrations-updated"
    B2B = "integrations-b2b"


def layout(**_: str) -> html.Div:
    admin = current.role() == "admin"
    return html.Div([
        dcc.Interval(id=Ids.INTERVAL, interval=REFRESH_SECONDS * 1000),
        dmc.Group([dmc.Title("Integrations", order=2), dmc.Text(id=Ids.UPDATED, size="sm", c="dimmed")],
                  justify="space-between", align="baseline"),
        html.Div(id=Ids.BANNER),
        dmc.Text("Down: no successful poll within the source's staleness limit. Degraded: polling, "
                 "but recent runs failed or it lags. Refreshes every 30 s.", size="sm", c="dimmed"),
        loading(html.Div(id=Ids.STREAMS, style={"marginTop": 8})),
        dmc.Title("EDI partners and carrier webhooks", order=4, mt="lg"),
        loading(html.Div(id=Ids.B2B)),
        dmc.Title("Open integration incidents", order=4, mt="lg"),
        loading(html.Div(id=Ids.INCIDENTS)),
        html.Div(id=Ids.INCIDENT_ORDERS, style={"marginTop": 8}),
        dmc.Title("Dead letters (records that could not be read)", order=4, mt="lg"),
        dmc.Text("Nothing is lost: each record is kept as the source sent it, with the reason. "
                 + ("Select rows and replay them after a mapping fix." if admin else
                    "An administrator can replay them after a mapping fix."), size="sm", c="dimmed"),
        dag.AgGrid(
            id=Ids.LETTERS, rowData=[],
            columnDefs=[
                {"field": "dead_letter_id", "headerName": "#", "width": 90},
                {"field": "source", "width": 100}, {"field": "stream", "width": 130},
                {"field": "reason", "flex": 2, "tooltipField": "reason"},
                {"field": "retry_count", "headerName": "Retries", "width": 100},
                {"field": "first_seen", "headerName": "First seen", "width": 190},
                {"field": "payload", "flex": 2, "tooltipField": "payload"},
            ],
            getRowId="params.data.dead_letter_id",
            dashGridOptions={**({"rowSelection": {"mode": "multiRow"}} if admin else {}),
                             "tooltipShowDelay": 300, "domLayout": "autoHeight",
                             "pagination": True, "paginationPageSize": 10,
                             "paginationPageSizeSelector": False},
            style={"height": None}, className="ag-theme-quartz",
        ),
        dmc.Text(id=Ids.LETTERS_COUNT, size="sm", mt=4),
        dmc.Group([
            dmc.Button("Replay selected", id=Ids.REPLAY, disabled=not admin, variant="light"),
            dmc.Text(id=Ids.REPLAY_RESULT, size="sm", **{"aria-live": "polite"}),
        ], mt="xs"),
        html.Pre(id=Ids.LETTER_DETAIL, style={"whiteSpace": "pre-wrap", "fontSize": 12, "maxHeight": 240,
                                              "overflow": "auto", "background": "#fff", "padding": 8}),
        *_notifications.section(admin=admin),
        dmc.Title("Recent errors", order=4, mt="lg"),
        loading(html.Div(id=Ids.ERRORS)),
    ], className="integrations-page")


def _num(v, spec: str, none: str = "—") -> str:
    return none if v is None or v != v else format(v, spec)


@callback(Output(Ids.STREAMS, "children"), Output(Ids.ERRORS, "children"), Output(Ids.INCIDENTS, "children"),
          Output(Ids.LETTERS, "rowData"), Output(Ids.LETTERS_COUNT, "children"),
          Output(Ids.BANNER, "children"), Output(Ids.UPDATED, "children"),
          Input(Ids.INTERVAL, "n_intervals"), Input(Ids.REPLAY_RESULT, "children"))
def refresh(_n: int | None, _replayed: str | None) -> tuple[Any, ...]:
    """The main callback: streams, errors, incidents and dead letters from one read."""
    now = clock.now()
    user = current.user()
    tz = user.time_zone if user else "UTC"
    with access.reading() as conn:
        streams = integrations.streams(conn=conn, now=now, default_limits=_running.freshness_limits())
        errors = integrations.recent_errors(conn=conn)
        incidents = integrations.incidents(conn=conn, scope=current.scope())
        letters = integrations.open_dead_letters(conn=conn, scope=current.scope())
        fresh = freshness.by_source(conn=conn, now=now)
    if streams.empty:
        streams_view = empty_state("No collector has run yet", "Start the collector process (`tower run` "
                                   "or `tower collect`); each stream appears after its first poll.")
    else:
        rows = [[dmc.Text(r.source.upper(), fw=600), r.stream,
                 dmc.Badge(STATUS[r.status][0], color=STATUS[r.status][1], variant="light"), r.status_reason,
                 f"{fmt(r.last_success_at, tz)} ({ago(r.age_seconds)} ago)" if r.age_seconds == r.age_seconds else "never",
                 ago(r.lag_seconds), _num(r.records_per_run, ".1f"), _num(r.error_rate * 100 if r.runs else None, ".0f") +
                 (f"% of {r.runs}" if r.runs else ""), r.open_dead_letters]
                for r in streams.itertuples()]
        streams_view = simple_table(["Source", "Stream", "Status", "Why", f"Last success ({tz})", "Data lag",
                                     "Records / run", "Error rate (recent runs)", "Dead letters"],
                                    rows, id="integrations-streams-table", numeric=[6, 7, 8])
    errors_view = (empty_state("No failed runs", "Every recent poll succeeded.") if errors.empty else
                   simple_table(["When", "Source", "Stream", "Status", "Error"],
                                [[fmt(r.started_at, tz, seconds=True), r.source, r.stream, r.status,
                                  html.Span(r.error or "—", className="tower-mono")] for r in errors.itertuples()],
                                id="integrations-errors-table"))
    if incidents.empty:
        incidents_view = empty_state("No open incidents",
                                     "An incident opens when a source is down (a backlog being read is "
                                     "'catching up', not an outage); it holds the late-order alerts the outage would cause.")
    else:
        incidents_view = simple_table(
            ["Source", "Incident", "Status", f"Opened ({tz})", "Orders held", "Value held", ""],
            [[(r.source or "—").upper(), r.title, words(r.status), fmt(r.opened_at, tz), f"{r.orders:,}",
              money(None, r.value), dmc.Button("Show orders", size="compact-xs", variant="subtle",
                                           id={"type": Ids.INCIDENT_BUTTON, "index": int(r.exception_id)})]
             for r in incidents.itertuples()], id="integrations-incidents-table", numeric=[4, 5])
    letter_rows = [{"dead_letter_id": int(r.dead_letter_id), "source": r.source, "stream": r.stream,
                    "reason": r.reason, "retry_count": int(r.retry_count),
                    "first_seen": fmt(r.first_seen_at, tz), "payload": json.dumps(r.payload, default=str)[:2000]}
                   for r in letters.itertuples()]
    count = (f"{len(letter_rows)} open dead letter{'' if len(letter_rows) == 1 else 's'}"
             + (" (oldest 200 shown)" if len(letter_rows) == 200 else "") + "; click a row to see its payload."
             if letter_rows else "No open dead letters: every record read so far was mapped.")
    return (streams_view, errors_view, incidents_view, letter_rows, count, stale_banner(fresh, tz=tz),
            f"Updated {fmt(now, tz, seconds=True)}")


@callback(Output(Ids.INCIDENT_ORDERS, "children"),
          Input({"type": Ids.INCIDENT_BUTTON, "index": ALL}, "n_clicks"), prevent_initial_call=True)
def incident_orders(clicks: list[int | None]) -> Component | list[Component] | NoUpdate:
    if not isinstance(ctx.triggered_id, dict) or not isinstance(clicks, list) or not any(clicks):
        return no_update
    exception_id = params.integer(ctx.triggered_id.get("index"), low=0, high=2**63 - 1)
    if exception_id is None:
        return no_update
    with access.reading() as conn:
        df = integrations.incident_orders(conn=conn, exception_id=exception_id, scope=current.scope())
    if df.empty:
        return empty_state("No orders held", "This incident holds no orders (yet).")
    return [dmc.Text(f"Orders held by incident #{exception_id} (largest value first):", size="sm", fw=500),
            simple_table(["Order", "Customer", "Warehouse", "Stage", "Value", "SLA", "Waiting on"],
                         [[dmc.Anchor(r.order_id, href=f"/orders/{r.order_id}"), r.customer_name or "—",
                           r.warehouse or "—", words(r.stage), money(None, r.value),
                           (r.sla_state or "not evaluated").replace("_", " "), r.waiting_on or "—"]
                          for r in df.itertuples()], id="integrations-incident-orders-table", numeric=[4])]


@callback(Output(Ids.LETTER_DETAIL, "children"), Input(Ids.LETTERS, "cellClicked"),
          State(Ids.LETTERS, "rowData"), prevent_initial_call=True)
def show_letter(cell: dict[str, Any] | None, rows: list[dict[str, Any]] | None) -> str | NoUpdate:
    cell, rows = params.mapping(cell), params.records(rows)
    if not cell:
        return no_update
    index = params.integer(cell.get("rowIndex"), low=0, high=len(rows) - 1)
    row = next((r for r in rows if str(r.get("dead_letter_id")) == str(cell.get("rowId"))), None) \
        or (rows[index] if index is not None else None)
    if row is None:
        return no_update
    payload = row.get("payload")
    try:
        body = json.dumps(json.loads(str(payload)), indent=2)
    except (TypeError, ValueError):
        body = str(payload)
    return (f"Dead letter #{row.get('dead_letter_id')} ({row.get('source')}/{row.get('stream')}): "
            f"{row.get('reason')}\n\n{body}")


@callback(Output(Ids.REPLAY_RESULT, "children"), Input(Ids.REPLAY, "n_clicks"),
          State(Ids.LETTERS, "selectedRows"), prevent_initial_call=True)
def replay(_n: int | None, selected: list[dict[str, Any]] | None) -> str:
    if current.role() != "admin":  # the button is disabled too; the server decides
        return "Only an administrator can replay dead letters."
    ids = [i for i in (params.integer(r.get("dead_letter_id"), low=0, high=2**63 - 1)
                       for r in params.records(selected)) if i is not None]
    if not ids:
        return "Select the dead letters to replay first."
    # The collector process owns the mappings: the page only marks the letters, and the
    # collector's dead-letter job replays them within seconds (their rows then update here).
    with access.writing() as conn:
        marked = integrations.request_replay(conn=conn, ids=ids, by=current.actor(), now=clock.now())
    skipped = len(ids) - marked
    return (f"Queued {marked} for replay; the collector process replays them within a few seconds."
            + (f" {skipped} were no longer open." if skipped else ""))


@callback(Output(Ids.B2B, "children"), Input(Ids.INTERVAL, "n_intervals"))
def refresh_b2b(_n: int | None) -> Component:
    """EDI files per trading partner and webhook events per provider."""
    user = current.user()
    tz = user.time_zone if user else "UTC"
    with access.reading() as conn:
        files = edi.partner_files(conn=conn)
        hooks = edi.webhook_providers(conn=conn)
    if files.empty and hooks.empty:
        return empty_state("No EDI file or webhook yet", "Files dropped in TOWER_EDI_INBOX/<partner>/, loaded with "
                           "`tower edi load`, or pushed to /hooks/carrier/<provider> appear here.")
    rows = [[r.partner_id or "unknown sender", f"{r.files:,}", f"{r.transactions:,}", f"{r.rejected:,}",
             f"{r.duplicates:,}", html.Span(r.last_file, className="tower-mono"), r.last_outcome,
             fmt(r.last_at, tz)] for r in files.itertuples()]
    rows += [[f"webhooks: {r.provider}", f"{r.events:,} events", f"{r.waiting:,} waiting", f"{r.dead:,}", "—",
              "—", "dead letters" if r.dead else "mapped", fmt(r.last_at, tz)] for r in hooks.itertuples()]
    return simple_table(["Partner", "Files", "Transactions", "Rejected", "Repeats", "Last file", "Outcome",
                         f"Last ({tz})"], rows, id="integrations-b2b-table", numeric=[1, 2, 3, 4])
