"""Keep the address bar in step with a page's view, so the URL is always a shareable link.

A page keeps the query string of its view ("?warehouse=DAL-1&stage=picked") in a dcc.Store and
calls `follow_url(search_store, sink_store)` once at import. The browser's URL is then replaced
(history.replaceState), not navigated to: a Location change would make the page router render
the page again. `sink_store` is a dcc.Store that only exists because a callback needs an output.
"""

from __future__ import annotations

from dash import Input, Output, clientside_callback

_REPLACE_SEARCH = """function(search) {
    if (typeof search === "string" && search !== window.location.search) {
        window.history.replaceState(null, "", window.location.pathname + search);
    }
    return window.dash_clientside.no_update;
}"""


def follow_url(search_store: str, sink_store: str) -> None:
    """Register the clientside callback that copies `search_store`'s data into the URL."""
    clientside_callback(_REPLACE_SEARCH, Output(sink_store, "data"), Input(search_store, "data"))
