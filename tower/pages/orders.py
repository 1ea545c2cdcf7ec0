"""/orders — one search box for whatever the customer quotes: order number, PO, customer name
(partial, typos forgiven), tracking number or invoice number. Results as you type; Enter on a
unique match opens the order. `/orders?q=...` opens with the search filled in (deep link)."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_mantine_components as dmc
from dash import Input, NoUpdate, Output, State, callback, dcc, html, no_update
from dash.development.base_component import Component

from tower import clock, params
from tower.auth import current
from tower.components import shell, status
from tower.components.banner import stale_banner
from tower.components.tables import simple_table
from tower.components.text import money
from tower.components.timefmt import fmt, warehouse_zone
from tower.data import freshness, orders
from tower.data.access import ReadTooSlow, reading
from tower.pages import _running

dash.register_page(__name__, path="/orders", title="Orders · tower")


class Ids:
    SEARCH = "orders-search"
    RESULTS = "orders-results"
    GO = "orders-go"


# A search answers while someone types: past this it is stopped and the person told so, and a
# web thread is free again (one slow search must not hold the others up).
SEARCH_TIMEOUT_MS = 3000
HELP = ("Type an order number (SO-100123), a customer PO, a tracking or invoice number, or part "
        "of a customer's name. Press Enter to open the order when there is one match.")


def _viewer_tz() -> str:
    user = current.user()
    return user.time_zone if user else "UTC"


def _too_much(message: str) -> dmc.Alert:
    return dmc.Alert(message, title="Search not run", color="yellow", id="orders-refused")


def _results(text: object) -> html.Div:
    try:
        text = orders.clean_search_text(text)
    except orders.SearchTooLong as exc:
        return _too_much(str(exc))
    if len(text) < 2:
        return shell.empty_state("Search for an order", HELP, id="orders-empty")
    scope = current.scope()
    try:
        with reading(timeout_ms=SEARCH_TIMEOUT_MS) as conn:
            found = orders.search(text, conn=conn, scope=scope)
            suggestions = orders.suggest(text, conn=conn, scope=scope) if found.empty else None
    except ReadTooSlow:
        return _too_much("That search took too long and was stopped. Try a longer part of the number "
                         "or of the customer's name.")
    if suggestions is not None:
        keys, customers = suggestions
        tips = [dmc.Text(f"No order matches “{text}”. Check the number, or try part of the customer's name.")]
        if not keys.empty:
            tips.append(dmc.Text("Similar numbers:", size="sm", mt="xs"))
            tips.append(html.Div([dcc.Link(f"{r.value} ({orders.KEY_LABELS.get(r.kind, r.kind)})",
                                           href=f"/orders/{r.order_id}", className="tower-suggestion")
                                  for r in keys.itertuples()]))
        if not customers.empty:
            tips.append(dmc.Text("Similar customers:", size="sm", mt="xs"))
            tips.append(html.Div([dcc.Link(f"{r.customer_name} ({r.orders} orders)",
                                           href=f"/orders?q={quote(r.customer_name)}", refresh=True,
                                           className="tower-suggestion")
                                  for r in customers.itertuples()]))
        return dmc.Alert(tips, title="Nothing found", color="gray", id="orders-none")
    viewer = _viewer_tz()
    zones = _running.warehouse_zones()
    rows = []
    for r in found.itertuples():
        tz = warehouse_zone(zones, r.warehouse, viewer)
        rows.append([
            dcc.Link(r.order_id, href=f"/orders/{r.order_id}", className="orders-result-link"),
            r.customer_name or "—", r.customer_po or "—", r.matched_on,
            (r.stage or "—").replace("_", " ") + ("" if r.status == "open" else f" ({r.status})"),
            status.order_sla(r.sla_state, r.status),
            fmt(r.placed_at, tz), money(r.currency, r.value),
        ])
    note = dmc.Text(f"{len(found)} order{'s' if len(found) != 1 else ''} — best match first"
                    + (" (showing the first 20)" if len(found) >= 20 else "")
                    + (". Press Enter to open it." if orders.unique_match(found) else "."),
                    size="sm", c="dimmed", mb=4)
    return html.Div([note, simple_table(
        ["Order", "Customer", "Customer PO", "Matched on", "Stage", "SLA", "Placed", "Value"], rows,
        id="orders-results-table", numeric=[7])])


def layout(q: str | None = None, **_: str) -> dmc.Container:
    q = params.text(q, max_chars=orders.MAX_SEARCH_CHARS, default="")
    with reading() as conn:
        fresh = freshness.by_source(conn=conn, now=clock.now())
    return dmc.Container([
        stale_banner(fresh, tz=_viewer_tz(), id="orders-stale"),
        dmc.Title("Find an order", order=2, mb="xs"),
        dcc.Input(id=Ids.SEARCH, type="search", value=q or "", debounce=0.25, autoFocus=True,
                  placeholder="Order number, PO, customer, tracking or invoice number",
                  className="tower-input tower-search", autoComplete="off"),
        dmc.Text(HELP, size="xs", c="dimmed", mt=4, mb="md"),
        dcc.Location(id=Ids.GO, refresh="callback-nav"),
        shell.loading(html.Div(_results(q or ""), id=Ids.RESULTS)),
    ], size="xl", px=0)


@callback(Output(Ids.RESULTS, "children"), Input(Ids.SEARCH, "value"), prevent_initial_call=True)
def show_results(text: object) -> Component:
    return _results(text)


@callback(Output(Ids.GO, "href"), Input(Ids.SEARCH, "n_submit"), State(Ids.SEARCH, "value"),
          prevent_initial_call=True)
def open_unique(_: int | None, text: object) -> str | NoUpdate:
    text = params.text(text, max_chars=orders.MAX_SEARCH_CHARS)
    if not text or len(text) < 2:
        return no_update
    try:
        with reading(timeout_ms=SEARCH_TIMEOUT_MS) as conn:
            match = orders.unique_match(orders.search(text, conn=conn, scope=current.scope()))
    except ReadTooSlow:
        return no_update
    return f"/orders/{match}" if match else no_update
