"""The app shell: header (who is signed in, sign-out), navigation (only the pages the role may
open), and the page container; plus the friendly refusal and "database unreachable" panels.

`layout()` is called per page load (Dash calls app.layout when it is a function), inside the
request, so it knows the signed-in user without loading anything at import time.
"""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, dcc, html

from tower.auth import current
from tower.auth.roles import BY_PREFIX, ROLES, landing, nav_for

THEME = {
    "primaryColor": "indigo",
    "fontFamily": "Inter, 'Segoe UI', system-ui, -apple-system, sans-serif",
    "defaultRadius": "sm",
}


def _header(user) -> dmc.AppShellHeader:
    right = ([dmc.Text(user.label, size="sm", fw=500, id="shell-user"),
              dmc.Badge(ROLES[user.role], variant="outline", id="shell-role"),
              signout_form("shell-signout")]
             if user else [dmc.Anchor("Sign in", href="/login", size="sm", id="shell-signin")])
    return dmc.AppShellHeader(
        dmc.Group([
            dmc.Anchor(dmc.Group([html.Span("▲", className="tower-logo-mark"),
                                  dmc.Title("tower", order=3)], gap=6),
                       href=landing(user.role) if user else "/login", underline="never", c="dark"),
            dmc.Group(right, gap="md"),
        ], justify="space-between", h="100%", px="md"),
    )


def signout_form(button_id: str) -> html.Form:
    """The sign-out control: a form posting this browser's CSRF token to /logout. Not a link,
    which any other site could make the browser follow (see tower/auth/signout.py)."""
    return html.Form([dcc.Input(type="hidden", name="csrf_token", value=current.csrf_token()),
                      html.Button("Sign out", id=button_id, type="submit", className="tower-signout")],
                     method="POST", action="/logout", className="tower-signout-form")


def _navbar(user) -> dmc.AppShellNavbar:
    links = [dmc.NavLink(label=page.label, href=page.path, active="partial",
                         id=f"shell-nav-{page.prefix}")
             for page in nav_for(user.role if user else None)]
    return dmc.AppShellNavbar(dmc.Stack(links, gap=2), p="xs", id="shell-navbar")


def layout() -> dmc.MantineProvider:
    user = current.user()
    return dmc.MantineProvider(
        dmc.AppShell([
            _header(user),
            _navbar(user),
            dmc.AppShellMain(html.Div(dash.page_container, className="tower-page")),
            html.Div(id="shell-wallboard-dummy", hidden=True),
        ], header={"height": 52}, navbar={"width": 190, "breakpoint": "sm"}, padding="md",
            id="shell-appshell"),
        theme=THEME, forceColorScheme="light",
    )


def register(app: dash.Dash) -> None:
    """Callbacks of the shell itself (registered on the app, not globally, so that every app
    made by create_app gets them)."""
    # `?wallboard=1` on any page: large type and no navigation, for a screen on a warehouse floor.
    app.clientside_callback(
        """
        function(search) {
            const on = new URLSearchParams(search || "").get("wallboard") === "1";
            document.body.classList.toggle("tower-wallboard", on);
            return on ? "wallboard" : "";
        }
        """,
        Output("shell-wallboard-dummy", "children"),
        Input("_pages_location", "search"),
    )


def refusal(role: str | None, prefix: str) -> dmc.Container:
    """The friendly message for a page the role may not open (the server refuses its callbacks
    too; this is what a person sees)."""
    page = BY_PREFIX.get(prefix)
    name = page.label if page and page.label else "this page"
    if role is None:
        return dmc.Container(dmc.Alert(
            [dmc.Text(f"Please sign in to open {name}."), dmc.Anchor("Sign in", href="/login", refresh=True)],
            title="Sign-in needed", color="blue", id="page-refused"), pt="xl")
    mine = [dmc.Anchor(p.label, href=p.path, mr="md") for p in nav_for(role)]
    return dmc.Container(dmc.Alert(
        [dmc.Text(f"{name} is not open to the {ROLES.get(role, role)} role. "
                  "Ask an administrator if you need it."),
         dmc.Text("Pages you can open:", size="sm", mt="sm"), html.Div(mine)],
        title="Not available for your role", color="yellow", id="page-refused"), pt="xl")


def unavailable(message: str) -> dmc.Container:
    """What a page shows when the database cannot be reached."""
    return dmc.Container(dmc.Alert(
        [dmc.Text("tower cannot read its database right now, so this page cannot be shown."),
         dmc.Text(message, size="sm", mt="xs", ff="monospace"),
         dmc.Anchor("See the health page", href="/health", mt="sm")],
        title="Database unavailable", color="red", id="page-unavailable"), pt="xl")


def empty_state(title: str, help_text: str, **props) -> dmc.Alert:
    """An empty state that says why it is empty and what to do."""
    return dmc.Alert(help_text, title=title, color="gray", variant="light", **props)


def loading(children, **props) -> dcc.Loading:
    return dcc.Loading(children, type="dot", delay_show=250, **props)
