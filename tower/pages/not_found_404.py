"""Any path that is no page: a friendly note and a way back, never a bare error."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc

from tower.auth import current
from tower.auth.roles import landing

dash.register_page(__name__, path="/404", title="Not found · tower")


def layout(**_: str) -> dmc.Container:
    role = current.role()
    return dmc.Container(dmc.Alert(
        [dmc.Text("There is no page at this address. It may have been mistyped or moved."),
         dmc.Anchor("Go to your start page", href=landing(role) if role else "/login")],
        title="Page not found", color="gray", id="not_found_404-message"), pt="xl")
