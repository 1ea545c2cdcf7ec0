"""The outbound-notifications part of /integrations: the outbox per channel, and deliveries
that kept failing (dead letters) with their reason, replayable by an administrator.

Replay only marks them: the collector process sends (the web process never does). Ids start
with `integrations-`, so the page's roles guard these callbacks. (Not a page of its own: Dash
skips modules whose name starts with an underscore.)
"""

from __future__ import annotations

from typing import Any

import dash_ag_grid as dag
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, html

from tower import clock, params
from tower.auth import current
from tower.components.shell import empty_state, loading
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.data import access, notifications


class Ids:
    OUTBOX = "integrations-notify-outbox"
    DEAD = "integrations-notify-dead"
    REPLAY = "integrations-notify-replay"
    RESULT = "integrations-notify-replay-result"


def section(*, admin: bool) -> list[Any]:
    return [
        dmc.Title("Outbound notifications", order=4, mt="lg"),
        dmc.Text("E-mails and webhooks sent by the collector process with retries and back-off. A delivery "
                 "that kept failing is kept here with the reason"
                 + (": select and replay it once the receiver is fixed." if admin else
                    "; an administrator can replay it."), size="sm", c="dimmed"),
        loading(html.Div(id=Ids.OUTBOX)),
        dag.AgGrid(
            id=Ids.DEAD, rowData=[],
            columnDefs=[{"field": "delivery_id", "headerName": "#", "width": 90},
                        {"field": "what", "headerName": "Message", "width": 150},
                        {"field": "to", "headerName": "To", "flex": 1, "tooltipField": "to"},
                        {"field": "reason", "headerName": "Why it failed", "flex": 2, "tooltipField": "reason"},
                        {"field": "attempts", "width": 100},
                        {"field": "last_attempt", "headerName": "Last attempt", "width": 190}],
            getRowId="params.data.delivery_id",
            dashGridOptions={**({"rowSelection": {"mode": "multiRow"}} if admin else {}),
                             "tooltipShowDelay": 300, "domLayout": "autoHeight", "pagination": True,
                             "paginationPageSize": 10, "paginationPageSizeSelector": False},
            style={"height": None}, className="ag-theme-quartz"),
        dmc.Group([dmc.Button("Replay selected deliveries", id=Ids.REPLAY, disabled=not admin, variant="light"),
                   dmc.Text(id=Ids.RESULT, size="sm", **{"aria-live": "polite"})], mt="xs"),
    ]


@callback(Output(Ids.OUTBOX, "children"), Output(Ids.DEAD, "rowData"),
          Input("integrations-interval", "n_intervals"), Input(Ids.RESULT, "children"))
def refresh(_n: int | None, _replayed: str | None) -> tuple[Any, list[dict[str, Any]]]:
    user = current.user()
    tz = user.time_zone if user else "UTC"
    with access.reading() as conn:
        summary = notifications.summary(conn=conn, now=clock.now())
        dead = notifications.dead_letters(conn=conn)
    if not summary[["pending", "sent_24h", "dead"]].to_numpy().any():
        outbox = empty_state("Nothing sent yet", "Notification rules live in the policy (notifications:); "
                             "e-mail needs TOWER_SMTP_HOST, webhooks TOWER_NOTIFY_WEBHOOKS.")
    else:
        outbox = simple_table(["Channel", "Waiting", "Of which retrying", "Sent (24 h)", "Dead letters",
                               f"Last sent ({tz})"],
                              [[r.channel, f"{r.pending:,}", f"{r.retrying:,}", f"{r.sent_24h:,}", f"{r.dead:,}",
                                fmt(r.last_sent_at, tz) if r.last_sent_at is not None else "never"]
                               for r in summary.itertuples()], id="integrations-notify-table", numeric=[1, 2, 3, 4])
    if current.scope().limited:   # who is told what may concern any warehouse
        return outbox, []
    rows = [{"delivery_id": int(r.delivery_id),
             "what": f"{r.purpose}, {r.events} event(s)" if r.purpose == "alert" else f"digest {r.team_id}",
             "to": f"{r.channel}: {r.target}", "reason": r.reason, "attempts": int(r.attempts),
             "last_attempt": fmt(r.last_attempt_at, tz)} for r in dead.itertuples()]
    return outbox, rows


@callback(Output(Ids.RESULT, "children"), Input(Ids.REPLAY, "n_clicks"), State(Ids.DEAD, "selectedRows"),
          prevent_initial_call=True)
def replay(_n: int | None, selected: list[dict[str, Any]] | None) -> str:
    if current.role() != "admin":  # the button is disabled too; the server decides
        return "Only an administrator can replay deliveries."
    ids = [i for i in (params.integer(r.get("delivery_id"), low=0, high=2**63 - 1)
                       for r in params.records(selected)) if i is not None]
    if not ids:
        return "Select the deliveries to replay first."
    with access.writing() as conn:
        n = notifications.replay(conn=conn, delivery_ids=ids, actor=current.actor(), now=clock.now())
    return (f"{n} back in the outbox; the collector process sends them within seconds."
            + (f" {len(ids) - n} were no longer dead letters." if len(ids) > n else ""))
