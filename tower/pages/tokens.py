"""/tokens — API tokens (administrators only): every token with its user, scopes, state and
last use; make a token (its secret is shown once, here, and never again); revoke one.
The same rules as `tower tokens`: a token never holds more than its user's role allows."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, callback, html

from tower import clock, params
from tower.auth import current, tokens
from tower.components.tables import simple_table
from tower.components.timefmt import fmt
from tower.data.access import reading, writing

dash.register_page(__name__, path="/tokens", title="API tokens · tower")


class Ids:
    LIST = "tokens-list"
    USER = "tokens-user"
    SCOPES = "tokens-scopes"
    DAYS = "tokens-days"
    LABEL = "tokens-label"
    CREATE = "tokens-create"
    CREATED = "tokens-created"
    REVOKE_ID = "tokens-revoke-id"
    REVOKE = "tokens-revoke"
    REVOKED = "tokens-revoked"


def _table() -> Any:
    with reading() as conn:
        frame = tokens.list_tokens(conn=conn)
    if frame.empty:
        return dmc.Text("No API tokens yet.", c="dimmed")
    now = clock.now()
    rows = []
    for r in frame.itertuples():
        state = ("revoked" if r.revoked_at is not None else
                 "expired" if r.expires_at is not None and r.expires_at <= now else "live")
        rows.append([r.token_id, r.username, r.label or "", ", ".join(r.scopes), state,
                     fmt(r.expires_at, "UTC") if r.expires_at is not None else "never",
                     fmt(r.last_used_at, "UTC") if r.last_used_at is not None else "never used",
                     f"{r.created_by}, {fmt(r.created_at, 'UTC')}"])
    return simple_table(["Id", "User", "Label", "Scopes", "State", "Expires", "Last used", "Made by"], rows)


def layout(**_: str) -> html.Div:
    return html.Div([
        dmc.Title("API tokens", order=2),
        dmc.Text("Bearer tokens for /api/v1 (documentation: /api/v1/docs). A token acts as its user and never "
                 "has more than the user's role and warehouses. Times in UTC.", size="sm", c="dimmed"),
        html.Div(_table(), id=Ids.LIST, style={"marginTop": 8}),
        dmc.Title("Make a token", order=4, mt="lg"),
        dmc.Group([
            dmc.TextInput(id=Ids.USER, label="User", placeholder="user name", w=200),
            dmc.MultiSelect(id=Ids.SCOPES, label="Scopes", data=list(tokens.SCOPES), w=420),
            dmc.NumberInput(id=Ids.DAYS, label="Expires after (days, empty: never)", min=1, max=3650, w=220),
            dmc.TextInput(id=Ids.LABEL, label="What it is for", w=220),
        ], align="end"),
        dmc.Button("Make token", id=Ids.CREATE, mt="sm"),
        html.Div(id=Ids.CREATED, style={"marginTop": 8}),
        dmc.Title("Revoke a token", order=4, mt="lg"),
        dmc.Group([dmc.NumberInput(id=Ids.REVOKE_ID, label="Token id", min=1, w=160),
                   dmc.Button("Revoke", id=Ids.REVOKE, color="red")], align="end"),
        html.Div(id=Ids.REVOKED, style={"marginTop": 8}),
    ])


@callback(Output(Ids.CREATED, "children"), Output(Ids.LIST, "children", allow_duplicate=True),
          Input(Ids.CREATE, "n_clicks"), State(Ids.USER, "value"), State(Ids.SCOPES, "value"),
          State(Ids.DAYS, "value"), State(Ids.LABEL, "value"), prevent_initial_call=True)
def create(_: int | None, user: Any, scopes: Any, days: Any, label: Any) -> tuple[Any, Any]:
    username = params.text(user, max_chars=63) or ""
    wanted = list(params.texts(scopes, max_items=len(tokens.SCOPES)))
    expiry_days = params.number(days, low=1, high=3650)
    now = clock.now()
    try:
        with writing() as conn:
            made = tokens.create(conn=conn, username=username.lower(), scopes=wanted, by=current.actor(), now=now,
                                 expires_at=now + timedelta(days=expiry_days) if expiry_days else None,
                                 label=params.text(label) or "")
    except tokens.TokenInputError as exc:
        return dmc.Alert(str(exc), color="red", title="Not made"), dash.no_update
    return (dmc.Alert([dmc.Text(f"Token {made.token_id} for {username}. Copy it now: it is not shown again."),
                       dmc.Code(made.secret, id="tokens-secret", block=True)], color="green"), _table())


@callback(Output(Ids.REVOKED, "children"), Output(Ids.LIST, "children", allow_duplicate=True),
          Input(Ids.REVOKE, "n_clicks"), State(Ids.REVOKE_ID, "value"), prevent_initial_call=True)
def revoke(_: int | None, token_id: Any) -> tuple[Any, Any]:
    found = params.integer(token_id, low=1, high=2**62)
    if found is None:
        return dmc.Alert("Give the id of a token.", color="yellow"), dash.no_update
    with writing() as conn:
        done = tokens.revoke(conn=conn, token_id=found, by=current.actor(), now=clock.now())
    if not done:
        return dmc.Alert(f"No live token {found}.", color="yellow"), dash.no_update
    return dmc.Alert(f"Token {found} revoked.", color="green"), _table()
