"""/ — sends each role to its own page."""

from __future__ import annotations

import dash
from dash import dcc

from tower.auth import current
from tower.auth.roles import landing

dash.register_page(__name__, path="/", title="tower")


def layout(**_: str) -> dcc.Location:
    role = current.role()
    return dcc.Location(id="home-redirect", href=landing(role) if role else "/login", refresh=True)
