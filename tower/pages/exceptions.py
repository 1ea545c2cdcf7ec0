"""/exceptions — open exceptions, filtered by what the URL says (a link reproduces the view),
highest priority first; counts by kind and team and an aging chart; acknowledge, assign,
comment, snooze and resolve one or many, each written to the audit with the signed-in user;
CSV export of exactly the filtered rows."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

import dash
import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, callback, ctx, dcc, html, no_update
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components import exception_panels as panels
from tower.components import shell
from tower.components.banner import stale_banner
from tower.data import exceptions as data
from tower.data import freshness
from tower.data.access import reading, writing
from tower.figures import exceptions as figures
from tower.pages import _running

dash.register_page(__name__, path="/exceptions", title="Exceptions · tower")


class Ids:
    GRID = "exceptions-grid"
    FILTERS = "exceptions-filters"
    URL = "exceptions-url"
    HISTORY = "exceptions-history"
    FEEDBACK = "exceptions-feedback"
    COUNT = "exceptions-count"
    EXPORT = "exceptions-export"
    DOWNLOAD = "exceptions-download"


_FILTER_INPUTS = ["kind", "severity", "team", "assignee", "warehouse", "region", "sla", "status"]


def _viewer_tz() -> str:
    user = current.user()
    return user.time_zone if user else "UTC"


def _count_text(shown: int, total: int) -> str:
    if total == 0:
        return "No open exceptions match these filters."
    more = f" — showing the {shown:,} with the highest priority; the CSV has all" if shown < total else ""
    return f"{total:,} open exception{'s' if total != 1 else ''} match{'es' if total == 1 else ''}{more}."


def _charts(summary: data.Summary):
    if not summary.total:
        return shell.empty_state("Nothing open", "No open exceptions match these filters. "
                                 "Clear some filters, or enjoy the quiet.")
    graph = lambda fig, id_: dcc.Graph(figure=fig, id=id_, config={"displayModeBar": False})  # noqa: E731
    return dmc.SimpleGrid([
        graph(figures.counts(summary.by_kind, "kind", "Open by kind"), "exceptions-by-kind"),
        graph(figures.counts(summary.by_team, "team_name", "Open by team"), "exceptions-by-team"),
        dmc.Stack([graph(figures.aging(summary.aging), "exceptions-aging"),
                   dmc.Text("Age = time since the condition began (an invoice's due date passed, a stage "
                            "ran past its SLA), not since tower raised it; response times run from when "
                            "it was raised.", size="xs", c="dimmed")], gap=2),
    ], cols={"base": 1, "md": 3}, spacing="sm")


def layout(**query: str):
    filters = data.Filters.from_query(query)
    scope = current.scope()
    now = clock.now()
    with reading() as conn:
        rows = data.open_list(filters, conn=conn, now=now, at_risk=_running.at_risk_share(), scope=scope)
        summary = data.summary(filters, conn=conn, now=now, at_risk=_running.at_risk_share(), scope=scope)
        facets = data.facets(conn=conn, scope=scope)
        fresh = freshness.by_source(conn=conn, now=now)
        # A deep link to exceptions (?id=) shows their history even once they are resolved.
        ids = data.exception_ids(filters.ids)[:10]
        chosen = data.by_ids(ids, conn=conn, scope=scope) if ids else None
        history = data.history(chosen["exception_id"].tolist(), conn=conn) if chosen is not None else None
    viewer = _viewer_tz()
    grid_rows = panels.grid_rows(rows, viewer, _running.warehouse_zones())
    scope_note = (dmc.Text(f"You see the warehouses you look after: {scope.describe()}.", size="xs", c="dimmed")
                  if scope.limited else None)
    grid = dag.AgGrid(
        id=Ids.GRID, rowData=grid_rows, columnDefs=panels.COLUMNS, getRowId="params.data.row_id",
        defaultColDef={"sortable": True, "resizable": True, "filter": False},
        dashGridOptions={"rowSelection": {"mode": "multiRow", "checkboxes": True, "headerCheckbox": True,
                                          "enableClickSelection": False},
                         "animateRows": False, "tooltipShowDelay": 300},
        selectedRows=[r for r in grid_rows if r["row_id"] in set(filters.ids)],
        style={"height": "460px"}, className="ag-theme-quartz",
    )
    return dmc.Stack([
        dmc.Group([dmc.Title("Exceptions", order=2),
                   dmc.Text(_count_text(len(rows), summary.total), id=Ids.COUNT, size="sm")], gap="md"),
        scope_note,
        stale_banner(fresh, tz=viewer, id="exceptions-stale"),
        panels.filter_bar(filters, facets),
        dcc.Store(id=Ids.FILTERS, data=filters.to_query()),
        dcc.Location(id=Ids.URL, refresh="callback-nav"),
        html.Div(_charts(summary), id="exceptions-charts"),
        dmc.Group([dmc.Text("Sorted by priority (highest first); click a header to sort by another column.",
                            size="xs", c="dimmed"),
                   dmc.Button("Download CSV", id=Ids.EXPORT, size="xs", variant="outline"),
                   dcc.Download(id=Ids.DOWNLOAD)], justify="space-between"),
        grid,
        dmc.Grid([
            dmc.GridCol(panels.actions_panel(data.REASON_CODES), span={"base": 12, "md": 5}),
            dmc.GridCol(shell.loading(html.Div(panels.history_panel(chosen, history, viewer, _running.warehouse_zones()), id=Ids.HISTORY)),
                        span={"base": 12, "md": 7}),
        ], gutter="sm"),
    ], gap="sm")


@callback(Output(Ids.URL, "href"), Input("exceptions-apply", "n_clicks"),
          [State(f"exceptions-f-{name}", "value") for name in _FILTER_INPUTS],
          State("exceptions-f-min-age", "value"), State("exceptions-f-max-age", "value"),
          State(Ids.FILTERS, "data"), prevent_initial_call=True)
def apply_filters(_: int | None, *values: Any) -> str:
    *multi, min_age, max_age, current_query = values
    query = {name: ",".join(params.texts(v)) for name, v in zip(_FILTER_INPUTS, multi) if params.texts(v)}
    current_query = params.mapping(current_query)
    for key in ("order", "id"):  # deep-link filters without a control stay until cleared
        kept = params.texts(current_query.get(key))
        if kept:
            query[key] = ",".join(kept)
    for key, value in (("min_age", min_age), ("max_age", max_age)):
        hours = params.number(value, low=0, high=params.MAX_HOURS)
        if hours is not None:
            query[key] = f"{hours:g}"
    return "/exceptions" + ("?" + urlencode(query) if query else "")


def _selected_ids(selected) -> list[int]:
    return data.exception_ids_bounded(r.get("exception_id") for r in params.records(selected))


def _history(ids: list[int]) -> Component:
    """The history panel for these exceptions (at most 10), whatever their status now."""
    ids = ids[:10]
    if not ids:
        return panels.history_panel(None, None, _viewer_tz(), {})
    with reading() as conn:
        rows = data.by_ids(ids, conn=conn, scope=current.scope())
        history = data.history(rows["exception_id"].tolist(), conn=conn)
    return panels.history_panel(rows, history, _viewer_tz(), _running.warehouse_zones())


@callback(Output(Ids.HISTORY, "children"), Input(Ids.GRID, "selectedRows"), prevent_initial_call=True)
def show_history(selected: list[dict[str, Any]] | None) -> Component:
    return _history(_selected_ids(selected))


ACTION_OF = {"exceptions-ack": "acknowledge", "exceptions-assign": "assign", "exceptions-comment-btn": "comment",
             "exceptions-snooze": "snooze", "exceptions-resolve": "resolve"}
DONE_WORDS = {"acknowledge": "Acknowledged", "assign": "Assigned", "comment": "Commented on",
              "snooze": "Snoozed", "resolve": "Resolved", "reopen": "Reopened"}


@callback(Output(Ids.FEEDBACK, "children"), Output(Ids.GRID, "rowData"),
          Output(Ids.HISTORY, "children", allow_duplicate=True), Output(Ids.COUNT, "children"),
          Output("exceptions-comment", "value"), Output("exceptions-charts", "children"),
          [Input(button, "n_clicks") for button in ACTION_OF],
          State(Ids.GRID, "selectedRows"), State("exceptions-assignee", "value"), State("exceptions-comment", "value"),
          State("exceptions-snooze-for", "value"), State("exceptions-reason", "value"), State(Ids.FILTERS, "data"),
          prevent_initial_call=True)
def act(*args: Any) -> tuple[Any, ...]:
    selected, assignee, comment, snooze_for, reason, query = args[len(ACTION_OF):]
    action = ACTION_OF.get(ctx.triggered_id) if isinstance(ctx.triggered_id, str) else None
    if action is None:
        return no_update, *[no_update] * 5
    ids = _selected_ids(selected)
    if not ids:
        return dmc.Alert("Select one or more rows first.", color="yellow"), *[no_update] * 5
    if action == "resolve" and not reason:
        return dmc.Alert("Choose a reason to resolve.", color="yellow"), *[no_update] * 5
    now, scope, actor = clock.now(), current.scope(), current.actor()
    # The page passes what was typed as it is: tower.store.exceptions.act checks every value.
    comment = (comment.strip() or None) if isinstance(comment, str) else comment
    if isinstance(assignee, str):
        assignee = assignee.strip() or actor
    try:
        kwargs = {"assignee": assignee if action == "assign" else None,
                  "comment": comment, "reason": reason if action == "resolve" else None,
                  "snoozed_until": data.snooze_until(4 if snooze_for is None else snooze_for, now=now)
                  if action == "snooze" else None}
        with writing() as conn:  # one transaction: the action and its audit rows, or nothing
            allowed = data.permitted(ids, conn=conn, scope=scope)
            changed = data.act(conn=conn, exception_ids=allowed, action=action, actor=actor, now=now, **kwargs)
    except data.InvalidAction as exc:
        return dmc.Alert(str(exc), color="red", title="Not done"), *[no_update] * 5
    filters = data.Filters.from_query(query)
    with reading() as conn:
        rows = data.open_list(filters, conn=conn, now=now, at_risk=_running.at_risk_share(), scope=scope)
        summary = data.summary(filters, conn=conn, now=now, at_risk=_running.at_risk_share(), scope=scope)
    skipped = len(ids) - changed
    note = f"{DONE_WORDS[action]} {changed} of {len(ids)} selected." + (
        f" {skipped} not changed (not in a state that allows it, or outside your warehouses)." if skipped else "")
    return (dmc.Alert(note, color="green" if changed else "yellow", id="exceptions-done"),
            panels.grid_rows(rows, _viewer_tz(), _running.warehouse_zones()), _history(ids), _count_text(len(rows), summary.total),
            "" if changed and comment else no_update,  # a comment on record is not left to be sent twice
            _charts(summary))


@callback(Output(Ids.FEEDBACK, "children", allow_duplicate=True),
          Output(Ids.HISTORY, "children", allow_duplicate=True),
          Input({"type": panels.REOPEN, "index": ALL}, "n_clicks"), prevent_initial_call=True)
def reopen(clicks: list[int | None] | None) -> tuple[Any, Any]:
    """Reopen the resolved exception whose history block's button was clicked."""
    trigger = ctx.triggered_id
    if not isinstance(trigger, Mapping) or not any(clicks if isinstance(clicks, list) else ()):
        return no_update, no_update
    targets = data.exception_ids_bounded([trigger.get("index")])
    if not targets:
        return no_update, no_update
    target = targets[0]
    now, scope, actor = clock.now(), current.scope(), current.actor()
    try:
        with writing() as conn:
            allowed = data.permitted([target], conn=conn, scope=scope)
            changed = data.act(conn=conn, exception_ids=allowed, action="reopen", actor=actor, now=now)
    except data.InvalidAction as exc:
        return dmc.Alert(str(exc), color="red", title="Not reopened"), no_update
    note = (f"Reopened #{target}." if changed else
            f"#{target} not reopened: another exception is open for the same thing, or it is outside your warehouses.")
    return dmc.Alert(note, color="green" if changed else "yellow", id="exceptions-done"), _history([target])


@callback(Output(Ids.DOWNLOAD, "data"), Input(Ids.EXPORT, "n_clicks"), State(Ids.FILTERS, "data"),
          prevent_initial_call=True)
def export_csv(_: int | None, query: dict[str, str] | None) -> dict[str, Any]:
    filters = data.Filters.from_query(params.mapping(query))
    now = clock.now()
    with reading() as conn:
        rows = data.open_list(filters, conn=conn, now=now, at_risk=_running.at_risk_share(),
                              scope=current.scope(), limit=None)
    return dcc.send_string(data.to_csv(rows), f"exceptions-{now:%Y%m%d-%H%M}.csv", type="text/csv")
