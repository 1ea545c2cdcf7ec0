"""/login — a plain HTML form posted to the Flask route /auth/login (tower/auth/server.py), so
signing in works without any callback and the password never passes through Dash."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from tower.auth import current
from tower.auth.roles import ROLES, landing
from tower.components import shell

dash.register_page(__name__, path="/login", title="Sign in · tower")

_ERRORS = {
    "1": "That user name and password do not match. Check both and try again.",
    "db": "The database cannot be reached, so nobody can sign in right now. See /health.",
    "expired": "The sign-in form had expired. Please sign in again.",
    # assets/session_end.js sends an open page here when its callbacks answer 401
    "ended": "Your session has ended (signed out, timed out, or ended by an administrator). "
             "Sign in again to carry on where you were.",
}


def _wait_message(minutes: str | None) -> str:
    try:
        n = int(minutes or "")
    except ValueError:
        n = 0
    if not 1 <= n <= 24 * 60:
        return "Too many attempts; try again later."
    return f"Too many attempts; try again in {n} minute{'' if n == 1 else 's'}."


def layout(next: str | None = None, error: str | None = None, signed_out: str | None = None,
           minutes: str | None = None, **_: str) -> dmc.Container:
    user = current.user()
    if user is not None:
        return dmc.Container(dmc.Alert(
            [dmc.Text(f"You are signed in as {user.label} ({ROLES[user.role]})."),
             dmc.Anchor("Go to your page", href=landing(user.role), mr="md"),
             shell.signout_form("login-signout")],
            title="Already signed in", color="blue"), size=420, pt="xl", id="login-already")
    notices = []
    message = _wait_message(minutes) if error == "wait" else _ERRORS.get(error or "")
    if message:
        notices.append(dmc.Alert(message, color="red", title="Not signed in", id="login-error", mb="md"))
    if signed_out:
        notices.append(dmc.Alert("You are signed out.", color="green", id="login-signed-out", mb="md"))
    form = html.Form([
        html.Label("User name", htmlFor="login-username", className="tower-label"),
        dcc.Input(id="login-username", name="username", type="text", autoComplete="username",
                   required=True, autoFocus=True, className="tower-input"),
        html.Label("Password", htmlFor="login-password", className="tower-label"),
        dcc.Input(id="login-password", name="password", type="password",
                   autoComplete="current-password", required=True, className="tower-input"),
        dcc.Input(type="hidden", name="next", value=next or ""),
        dcc.Input(type="hidden", name="csrf_token", value=current.csrf_token()),
        html.Button("Sign in", id="login-submit", type="submit", className="tower-button"),
    ], method="POST", action="/auth/login", id="login-form")
    return dmc.Container(dmc.Paper([
        dmc.Title("Sign in to tower", order=2, mb="xs"),
        dmc.Text("Order status across ERP, warehouse, carrier and finance, in one place.",
                 size="sm", c="dimmed", mb="md"),
        *notices,
        form,
        dmc.Text("Demo users and their passwords are printed once by `tower run`; "
                 "an administrator adds users with `tower users add`.", size="xs", c="dimmed", mt="md"),
    ], withBorder=True, shadow="sm", p="xl", radius="md"), size=420, pt=60)
