"""/teams — per team: open, at risk, overdue, SLA adherence, MTTA / MTTR, escalations, reopen
rate, and the open work per assignee; each team links to its worklist on /exceptions.

URL: ?days=7|30|90 or ?from=DAY&to=DAY (the period of the rates, whole UTC days), ?as_of=TIME
(when open, at risk and overdue are counted; presets count back from it: tower/data/periods.py),
?team=<team id> (the workload shown).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, urlencode

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import Input, Output, callback, dcc, html
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components import period_picker
from tower.components.banner import stale_banner
from tower.components.shell import empty_state, loading
from tower.components.tables import simple_table
from tower.components.timefmt import ago
from tower.components.url_sync import follow_url
from tower.data import access, freshness, periods, teams
from tower.figures.teams import workload as workload_figure
from tower.pages import _running

dash.register_page(__name__, path="/teams", title="Teams · tower")

PERIODS = {"7": "Last 7 days", "30": "Last 30 days", "90": "Last 90 days"}
DEFAULT_PERIOD = "7"
PICKER = period_picker.PeriodIds("teams")


class Ids:
    PERIOD = "teams-period"
    TEAM = "teams-team"
    BANNER = "teams-banner"
    SUMMARY = "teams-summary"
    WORKLOAD = "teams-workload"
    WORKLOAD_CHART = "teams-workload-chart"
    SEARCH = "teams-search"
    SEARCH_SET = "teams-search-set"
    COUNTED = "teams-counted"


def _period(preset: object, days: object, as_of: object) -> periods.Period:
    return period_picker.from_controls(preset, days, as_of, now=clock.now(), presets=PERIODS,
                                       default=DEFAULT_PERIOD)


def layout(team: str | None = None, **query: str) -> html.Div:
    period = periods.resolve(query, now=clock.now(), presets=PERIODS, default=DEFAULT_PERIOD)
    team = params.text(team)
    return html.Div([
        dcc.Store(id=Ids.SEARCH), dcc.Store(id=Ids.SEARCH_SET),
        dmc.Title("Teams", order=2),
        html.Div(id=Ids.BANNER),
        period_picker.problem_notice(period),
        period_picker.controls("teams", period, PERIODS, as_of_given=bool(params.text(query.get("as_of")))),
        dmc.Text("Open, at risk and overdue are counted now (or at the “as of” time); the rates cover "
                 "the period.", id=Ids.COUNTED, size="sm", c="dimmed", mt=4),
        loading(html.Div(id=Ids.SUMMARY, style={"marginTop": 12})),
        dmc.Group([
            dmc.Title("Workload per assignee", order=4),
            dmc.Select(id=Ids.TEAM, value=team, placeholder="Pick a team", data=[], w=280,
                       searchable=True, clearable=False, **{"aria-label": "Team"}),
        ], mt="lg"),
        loading(html.Div(id=Ids.WORKLOAD, style={"marginTop": 8})),
    ], className="teams-page")


def _pct(v: float) -> str:
    return "—" if pd.isna(v) else f"{v * 100:.0f}%"


def _worklist(team_id: str, assignee: str | None = None) -> str:
    params = {"team": team_id} if team_id != teams.NO_TEAM else {}
    if assignee:
        params["assignee"] = assignee
    return "/exceptions" + ("?" + urlencode(params, quote_via=quote) if params else "")


def _overdue(n: int) -> dmc.Badge | str:
    return dmc.Badge(f"{n} overdue", color="red", variant="light") if n else "0"


def _summary_table(df: pd.DataFrame):
    rows = [[dmc.Anchor(r.name, href=_worklist(r.team_id)),
             r.open, (dmc.Badge(f"{r.at_risk} at risk", color="yellow", variant="light") if r.at_risk else "0"),
             _overdue(r.overdue), r.unassigned,
             f"{_pct(r.sla_adherence)}" + (f" of {r.resolved}" if r.resolved else ""),
             ago(r.mtta_seconds), ago(r.mttr_seconds), r.escalations, _pct(r.reopen_rate)]
            for r in df.itertuples()]
    return simple_table(["Team (opens its worklist)", "Open", "At risk", "Overdue", "Unassigned",
                         "Resolved in SLA", "MTTA", "MTTR", "Escalations", "Reopen rate"],
                        rows, id="teams-table", numeric=[1, 2, 3, 4, 8])


@callback(Output(Ids.SUMMARY, "children"), Output(Ids.BANNER, "children"),
          Output(Ids.TEAM, "data"), Output(Ids.TEAM, "value"), Output(Ids.COUNTED, "children"),
          Input(Ids.PERIOD, "value"), Input(PICKER.range, "value"), Input(PICKER.as_of, "value"),
          dash.State(Ids.TEAM, "value"))
def summary(preset: str | None, days: object, as_of: object,
            team: str | None) -> tuple[Any, Component, list[dict[str, str]], str | None, str]:
    """The main callback: one row per team for the period."""
    now = clock.now()
    user = current.user()
    period = _period(preset, days, as_of)
    team = params.text(team)
    with access.reading() as conn:
        df = teams.summary(conn=conn, now=period.as_of, at_risk=_running.at_risk_share(),
                           since=period.start_at, until=period.end_at, scope=current.scope())
        fresh = freshness.by_source(conn=conn, now=now)
    banner = stale_banner(fresh, tz=user.time_zone if user else "UTC")
    options = [{"value": r.team_id, "label": r.name} for r in df.itertuples()]
    if team not in set(df["team_id"]):
        busiest = df[df["open"] > 0]
        team = busiest.iloc[0]["team_id"] if not busiest.empty else (df.iloc[0]["team_id"] if len(df) else None)
    if df.empty:
        body = empty_state("No teams yet", "Teams come from the rules policy; they appear once the "
                                           "rules worker has run.")
    else:
        body = [_summary_table(df),
                dmc.Text("SLA adherence: exceptions resolved by their due time, of those resolved in "
                         "the period. MTTA / MTTR: mean time from opening to acknowledgement / "
                         "resolution. Reopen rate: reopened / resolved entries in the audit trail.",
                         size="xs", c="dimmed", mt=4)]
    counted = (f"Open, at risk and overdue are counted as of {period.as_of:%d %b %Y %H:%M} UTC"
               if period.as_of < now else "Open, at risk and overdue are counted now")
    counted += f"; the rates cover {period.describe()}."
    return body, banner, options, team, counted


@callback(Output(Ids.WORKLOAD, "children"), Output(Ids.SEARCH, "data"),
          Input(Ids.TEAM, "value"), Input(Ids.PERIOD, "value"), Input(PICKER.range, "value"),
          Input(PICKER.as_of, "value"), dash.State(Ids.TEAM, "data"))
def workload(team: object, preset: object, days: object, as_of: object, options: object) -> tuple[Any, str]:
    period = _period(preset, days, as_of)
    team = params.text(team)
    options = params.records(options)
    search = "?" + urlencode({**period.query(as_of_given=period_picker.as_of_given(as_of)),
                              **({"team": team} if team else {})})
    if not team:
        return empty_state("No team picked", "Pick a team to see who carries its open work."), search
    now = clock.now()
    with access.reading() as conn:
        df = teams.workload(conn=conn, now=min(period.as_of, now), past=period.as_of < now,
                            at_risk=_running.at_risk_share(),
                            team=None if team == teams.NO_TEAM else team, scope=current.scope())
    if team == teams.NO_TEAM:
        df = df[df["team_id"] == teams.NO_TEAM]
    if df.empty:
        return empty_state("Nothing open", "This team had no open exceptions then." if period.as_of < now
                           else "This team has no open exceptions right now."), search
    at = min(period.as_of, now)
    rows = [[dmc.Anchor(r.assignee or "(not assigned)", href=_worklist(team, r.assignee)),
             r.open, r.at_risk, r.overdue, ago((at - r.oldest_opened_at).total_seconds()),
             f"{r.value_at_risk:,.2f}"] for r in df.itertuples()]
    return [
        dcc.Graph(id=Ids.WORKLOAD_CHART, figure=workload_figure(df, title="Open exceptions of " + str(next(
                      (o.get("label") for o in options if o.get("value") == team), team))),
                  config={"displayModeBar": False}),
        simple_table(["Assignee (opens the worklist)", "Open", "At risk", "Overdue", "Oldest open for",
                      "Value at risk"], rows, id="teams-workload-table", numeric=[1, 2, 3, 5]),
    ], search


follow_url(Ids.SEARCH, Ids.SEARCH_SET)
period_picker.register("teams", PERIODS, default=DEFAULT_PERIOD, now=clock.now)
