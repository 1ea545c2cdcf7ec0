"""Order lookup and the order page: search by any key a customer quotes, and everything about
one order (header, timeline, lines, shipments, invoices, payments, returns).

All times are tz-aware UTC; pages convert them to the warehouse's or viewer's zone.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data import order_file
from tower.data.frames import missing_as_none
from tower.data.order_file import OrderFile
from tower.data.scope import Scope
from tower.sqlfiles import load

Q = load(__file__, "orders.sql")

KEY_LABELS = {"order_no": "order number", "customer_po": "customer PO", "tracking_no": "tracking number",
              "invoice_no": "invoice number", "customer_name": "customer name"}
SEARCH_COLUMNS = ["order_id", "rank", "key_kind", "key_value", "score", "customer_name", "customer_po",
                  "warehouse", "stage", "status", "sla_state", "waiting_on", "placed_at", "promised_at",
                  "value", "currency", "matched_on"]
NAME_SIMILARITY = 0.4
MIN_NAME_CHARS = 3  # trigram search needs three characters; fewer would scan every order
# Nobody quotes a key or a name longer than this; longer text is refused before any query
# (a 20k-character search once ran 20k queries and froze the web threads).
MAX_SEARCH_CHARS = 200
MIN_SUGGEST_PREFIX = 3


class SearchTooLong(ValueError):
    """The text is longer than anything a customer quotes; the message says so plainly."""

    def __init__(self, length: int) -> None:
        super().__init__(f"That is {length:,} characters: search with at most {MAX_SEARCH_CHARS} "
                         "(an order number, PO, tracking or invoice number, or part of a name).")


def clean_search_text(text: object) -> str:
    """The text to search for: stripped; raises SearchTooLong past MAX_SEARCH_CHARS."""
    text = text.strip() if isinstance(text, str) else ""
    if len(text) > MAX_SEARCH_CHARS:
        raise SearchTooLong(len(text))
    return text.replace("\x00", "")


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _frame(rows, columns: list[str], times: tuple[str, ...] = ()) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    for col in times:
        frame[col] = pd.to_datetime(frame[col], utc=True)
    return missing_as_none(frame)


def search(text: str, *, conn: Connection, scope: Scope, limit: int = 20) -> pd.DataFrame:
    """Orders matching what a person typed. One row per order, best match first.

    Columns: order_id, customer_name, customer_po, warehouse, stage, status, sla_state,
    waiting_on (str or None); rank (int: 1 exact key, 2 key starts with the text, 3 customer
    name); key_kind (identifiers kind or 'customer_name'), key_value (the matched key), score
    (float 0-1), matched_on (words, e.g. "tracking number 1Z..."); placed_at, promised_at
    (UTC); value (float), currency. Empty for text shorter than 2 characters. Text that is
    exactly a key finds that order (and keys starting with it), not customer names. Only
    orders inside `scope`. One statement; raises SearchTooLong for text past MAX_SEARCH_CHARS.
    """
    frame = _frame(search_rows(text, conn=conn, scope=scope, limit=limit), SEARCH_COLUMNS, ("placed_at", "promised_at"))
    frame["value"] = frame["value"].astype("float64")
    return frame


def search_rows(text: str, *, conn: Connection, scope: Scope, limit: int = 20) -> list[dict]:
    """`search` as plain dicts (times aware UTC datetimes or None, value float or None): the
    API's path, which needs no frame."""
    text = clean_search_text(text)
    if len(text) < 2:
        return []
    esc = _like_escape(text)
    rows = conn.execute(Q["search"], {
        "exact": text, "exact_upper": text.upper(), "prefix": esc + "%", "prefix_upper": esc.upper() + "%",
        "contains": "%" + esc + "%", "names": len(text) >= MIN_NAME_CHARS, "limit": limit,
        "threshold": NAME_SIMILARITY, "warehouses": scope.param(),
    }).mappings().all()
    out = []
    for r in rows:
        row = dict(r)
        row["value"] = float(row["value"]) if row["value"] is not None else None
        k, v = row["key_kind"], row["key_value"]
        row["matched_on"] = (f"{KEY_LABELS.get(k, k)}{' starts with' if row['rank'] == 2 else ''} {v}"
                             if k != "customer_name" else f"customer name {v}")
        out.append(row)
    return out


def unique_match(results: pd.DataFrame) -> str | None:
    """The order to open on Enter: the only exact-key match, or the only result at all."""
    exact = results[results["rank"] == 1]
    if exact["order_id"].nunique() == 1:
        return str(exact["order_id"].iloc[0])
    if len(results) == 1:
        return str(results["order_id"].iloc[0])
    return None


def _file(order_id: str, conn: Connection, scope: Scope) -> OrderFile:
    return order_file.read(order_id, conn=conn, scope=scope) or OrderFile(header={})


def header(order_id: str, *, conn: Connection, scope: Scope) -> dict | None:
    """The order's projection with its owner team's name, or None if there is no such order.
    Keys: every orders column named in order_file.sql `whole` (times UTC, value Decimal) plus
    owner_team_name, owner_lead. Rules fields (waiting_on, owner_team, due_at, sla_state,
    reason) are None until the rules worker has evaluated the order. An order outside `scope`
    is None too, exactly like an unknown one (nothing tells that it exists); so are the
    other reads below (empty frames). Pages and the API read the whole order at once with
    tower.data.order_file.read; these per-part functions are views of it."""
    found = order_file.read(order_id, conn=conn, scope=scope)
    return found.header if found else None


TIMELINE_COLUMNS = order_file.TIMELINE_COLUMNS


def timeline(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """Every milestone of the order, oldest first. One row per milestone: occurred_at (the
    source's time), recorded_at (when tower stored it) — both UTC; kind, source,
    source_event_id (str); line_no (Int64); shipment_id, invoice_id, payment_id, return_id
    (str or None); attrs (dict); channel (str: how it reached tower, tower.data.channels:
    "via EDI 856 from partner acme-3pl", "via carrier webhook (easypost)", "via ERP poll" ...)."""
    return _file(order_id, conn, scope).timeline


LINE_COLUMNS = order_file.LINE_COLUMNS


def lines(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per order line: line_no (int), sku, description (str); quantities ordered,
    allocated, short, picked, shipped, delivered, invoiced, paid, returned, credited (float;
    qty_paid = invoiced quantity times the paid share of its invoice); unit_price, line_value
    (float); stage, waiting_on (the rules' per-line view, None until evaluated)."""
    return _file(order_id, conn, scope).lines


def shipments(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per shipment: shipment_id, warehouse, carrier, tracking_no, status,
    last_scan_kind (str); shipped_at, picked_up_at, promised_delivery_at,
    estimated_delivery_at, delivered_at, last_scan_at (UTC); failed_attempts (int)."""
    return _file(order_id, conn, scope).shipments


def invoices(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per invoice: invoice_id, invoice_no, shipment_id, currency, status (open |
    partially_paid | paid); issued_at, due_at (UTC); amount, paid_amount, open_amount (float)."""
    return _file(order_id, conn, scope).invoices


def payments(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per payment: payment_id, invoice_id, method (str); paid_at (UTC); amount (float)."""
    return _file(order_id, conn, scope).payments


def returns(order_id: str, *, conn: Connection, scope: Scope) -> pd.DataFrame:
    """One row per return: return_id, status, reason (str); requested_at, received_at,
    credited_at (UTC); qty_requested, qty_received, credit_amount (float)."""
    return _file(order_id, conn, scope).returns


def suggest(text: str, *, conn: Connection, scope: Scope, limit: int = 5) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For a key that matches no order: (similar keys, similar customers), inside `scope`.

    Similar keys: one row per identifier sharing the longest prefix with `text` (the text
    shortened one character at a time, down to 3, all tried in one statement): value,
    order_id, kind. Similar customers: customer_name, orders (int), score (float 0-1).
    At most two statements whatever the text; raises SearchTooLong past MAX_SEARCH_CHARS."""
    text = clean_search_text(text)
    prefixes: list[str] = []
    for cut in range(len(text), MIN_SUGGEST_PREFIX - 1, -1):
        for candidate in dict.fromkeys((text[:cut], text[:cut].upper())):
            prefixes.append(_like_escape(candidate) + "%")
    keys = pd.DataFrame(columns=["value", "order_id", "kind"])
    if prefixes:
        rows = conn.execute(Q["suggest_keys"], {"prefixes": prefixes, "limit": limit,
                                                "warehouses": scope.param()}).mappings().all()
        if rows:
            first = rows[0]["n"]
            keys = pd.DataFrame([r for r in rows if r["n"] == first], columns=["value", "order_id", "kind"])
    customers = pd.DataFrame(columns=["customer_name", "orders", "score"])
    if len(text) >= MIN_NAME_CHARS:
        rows = conn.execute(Q["suggest_customers"], {"q": text, "contains": "%" + _like_escape(text) + "%",
                                                     "limit": limit, "threshold": NAME_SIMILARITY,
                                                     "names": True, "warehouses": scope.param()}).mappings().all()
        customers = pd.DataFrame(rows, columns=["customer_name", "orders", "score"])
    return keys, customers
