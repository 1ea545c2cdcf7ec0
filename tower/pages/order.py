"""/orders/<order> — where is it, in words; the cross-system timeline; lines, shipments,
invoices and payments; open exceptions; how fresh each source's view is; "copy status"."""

from __future__ import annotations

from urllib.parse import quote

import dash
import dash_mantine_components as dmc
import pandas as pd
from dash import dcc, html

from tower import clock, params
from tower.auth import current
from tower.components import shell, status
from tower.components.banner import stale_banner
from tower.components.order_conformance import order_conformance
from tower.components.order_text import passed, since_previous, summary, where_is_it
from tower.components.risk_panel import risk_panel
from tower.components.sides import decided_by, sides_text
from tower.components.tables import simple_table
from tower.components.text import money, words
from tower.components.timefmt import fmt, warehouse_zone, zone_name
from tower.components.why import plain_why
from tower.data import exceptions, flow, freshness, order_file, order_status, orders, risk
from tower.data.access import ReadTooSlow, reading
from tower.data.frames import is_missing
from tower.data.scope import Scope
from tower.figures.timeline import order_timeline
from tower.milestones import KINDS
from tower.pages import _running

dash.register_page(__name__, path_template="/orders/<order_id>", title="Order · tower")


class Ids:
    HEADER = "order-header"
    COPY = "order-copy"
    SUMMARY = "order-summary"
    TIMELINE = "order-timeline"
    PLAN = "order-plan"
    EVENTS = "order-events"
    LINES = "order-lines"
    SHIPMENTS = "order-shipments"
    INVOICES = "order-invoices"
    EXCEPTIONS = "order-exceptions"
    SOURCES = "order-sources"
    MISSING = "order-missing"


SUGGEST_TIMEOUT_MS = 3000  # "did you mean" is a courtesy: it never holds a web thread long
PLAN_BADGE = {"on time": "green", "done": "green", "late": "orange", "overdue": "red", "due": "blue",
              "not reported": "red", "to come": "gray", "cancelled": "gray", "partly": "orange"}


def _fact(label: str, value, id_: str | None = None) -> dmc.Stack:
    return dmc.Stack([dmc.Text(label, size="xs", c="dimmed", tt="uppercase", fw=600),
                      dmc.Text(value, fw=500, **({"id": id_} if id_ else {}))], gap=0)


def _not_found(order_id: str) -> dmc.Container:
    """The answer for an unknown order, and for one outside the viewer's scope (the same, so
    that nothing tells the order exists)."""
    items = []
    if len(order_id) <= orders.MAX_SEARCH_CHARS:
        try:
            items = _similar(order_id, current.scope())
        except ReadTooSlow:
            items = []
    else:
        order_id = order_id[:40] + "…"
    return dmc.Container(dmc.Alert([
        dmc.Text(f"tower knows no order “{order_id}”. It may be mistyped, or the ERP has not sent it yet."),
        dmc.Text("Did you mean:" if items else "No similar order numbers or customers either.", size="sm", mt="sm"),
        html.Div(items),
        dcc.Link("Search orders", href=f"/orders?q={quote(order_id)}", refresh=True),
    ], title="Order not found", color="gray", id=Ids.MISSING), size="md", pt="xl")


def _similar(order_id: str, scope: Scope) -> list:
    with reading(timeout_ms=SUGGEST_TIMEOUT_MS) as conn:
        found = orders.search(order_id, conn=conn, scope=scope)
        keys, customers = orders.suggest(order_id, conn=conn, scope=scope)
    items = []
    exact = found[found["rank"] == 1]
    for r in exact.itertuples():
        items.append(dcc.Link(f"{r.order_id} — its {r.matched_on}", href=f"/orders/{r.order_id}",
                              className="tower-suggestion"))
    for r in keys.itertuples():
        if r.order_id not in set(exact["order_id"]):
            items.append(dcc.Link(f"{r.value} ({orders.KEY_LABELS.get(r.kind, r.kind)})",
                                  href=f"/orders/{r.order_id}", className="tower-suggestion"))
    for r in customers.itertuples():
        items.append(dcc.Link(f"Orders of {r.customer_name}", href=f"/orders?q={quote(r.customer_name)}",
                              refresh=True, className="tower-suggestion"))
    return items


def _header(h: dict, tz: str, zone_label: str, copy_text: str, now) -> dmc.Paper:
    w = where_is_it(h, tz=tz, now=now)
    title = dmc.Group([
        dmc.Title(f"Order {h['order_id']}", order=2),
        dmc.Badge(words(h.get("stage")), variant="filled", color="indigo"),
        dmc.Badge(h["status"], variant="outline", color="gray"),
        status.order_sla(h.get("sla_state"), h["status"]),
    ], gap="sm")
    facts = dmc.SimpleGrid([
        _fact("Stage", w.stage, "order-stage"),
        _fact("Waiting on", w.waiting_on, "order-waiting-on"),
        _fact("Owner", w.owner, "order-owner"),
        _fact("Due by", w.due_by, "order-due"),
        _fact("SLA", status.label("sla", h.get("sla_state") if h["status"] == "open" or h.get("sla_state")
                                  else "closed"), "order-sla"),
        _fact("Promised", w.promised, "order-promised"),
        _fact("Value", w.value, "order-value"),
        _fact("Customer", f"{h.get('customer_name') or '—'}"
              + (f" ({h['customer_tier']})" if h.get("customer_tier") else ""), "order-customer"),
        _fact("Customer PO", h.get("customer_po") or "—", "order-po"),
        _fact("Warehouse", f"{h.get('warehouse') or '—'} · {h.get('region') or ''}"),
        _fact("Placed", fmt(h.get("placed_at"), tz)),
        _fact("Channel", h.get("channel") or "—"),
    ], cols={"base": 2, "sm": 3, "lg": 6}, spacing="md", verticalSpacing="sm")
    why = dmc.Text(f"Why: {plain_why(h, tz=tz, now=now)}", size="sm", mt="xs", id="order-reason")
    copy = dmc.Group([
        dcc.Clipboard(content=copy_text, id=Ids.COPY, title="Copy status", className="order-copy-button"),
        dmc.Text("Copy status for the customer", size="sm", fw=500),
    ], gap=6, mt="sm")
    return dmc.Paper([title, dmc.Text(f"Times in the warehouse's zone: {zone_label}", size="xs", c="dimmed", mb="sm"),
                      facts, why, copy,
                      dmc.Blockquote(copy_text, id=Ids.SUMMARY, mt="xs", p="xs", fz="sm", color="indigo")],
                     withBorder=True, p="md", id=Ids.HEADER)


def _plan_table(plan: pd.DataFrame, tz: str) -> html.Div:
    rows = [[r.label, r.source.upper(), fmt(r.planned_at, tz) if pd.notna(r.planned_at) else "—",
             fmt(r.actual_at, tz) if pd.notna(r.actual_at) else "—",
             dmc.Badge(r.state, color=PLAN_BADGE.get(r.state, "gray"), variant="light"), r.note or ""]
            for r in plan.itertuples()]
    return simple_table(["Step", "System", "Planned", "Actual", "State", "Note"], rows, id=Ids.PLAN)


def _describe(row) -> str:
    attrs = row.attrs or {}
    bits = []
    for key in ("location", "carrier", "tracking_no", "invoice_no", "amount", "reason", "method", "warehouse"):
        value = attrs.get(key)
        if isinstance(value, dict):  # a place: {"city": "Memphis", "state": "TN", ...}
            value = ", ".join(str(value[k]) for k in ("city", "state", "country") if value.get(k)) or None
        if value not in (None, ""):
            bits.append(f"{key.replace('_', ' ')} {value}")
    if isinstance(attrs.get("lines"), list):
        bits.append(f"{len(attrs['lines'])} line(s)")
    for key in ("shipment_id", "invoice_id", "payment_id", "return_id"):
        value = getattr(row, key)
        if isinstance(value, str) and value:
            bits.append(f"{key.split('_')[0]} {value}")
    return ", ".join(bits)


def _events_table(tl: pd.DataFrame, tz: str, gaps: pd.DataFrame) -> html.Div:
    if tl.empty:
        return shell.empty_state("No milestones", "No source has reported anything about this order yet.")
    waits = since_previous(tl)
    gap_starts = set(gaps["end"]) if not gaps.empty else set()
    rows = []
    for r, wait in zip(tl.itertuples(), waits):
        flag = " ⚠ gap" if r.occurred_at in gap_starts else ""
        rows.append([fmt(r.occurred_at, tz), r.source.upper(), KINDS[r.kind].label if r.kind in KINDS else r.kind,
                     _describe(r), html.Span(r.channel, className="order-event-channel"), wait + flag,
                     fmt(r.recorded_at, tz)])
    return simple_table(["When", "System", "Milestone", "Details", "Came in", "Since previous", "Recorded by tower"],
                        rows, id=Ids.EVENTS)


def _num(x: float) -> str:
    if is_missing(x):
        return "—"
    return f"{x:,.0f}" if float(x).is_integer() else f"{x:,.2f}"


def _lines_table(lines: pd.DataFrame) -> html.Div:
    if lines.empty:
        return shell.empty_state("No lines", "The ERP has not sent the order's lines yet.")
    cols = ["qty_ordered", "qty_allocated", "qty_shipped", "qty_delivered", "qty_invoiced", "qty_paid", "qty_returned"]
    rows = [[r["line_no"], r["sku"] or "—", r["description"] or ""] + [_num(r[c]) for c in cols]
            + [(r["waiting_on"] or r["stage"] or "—")] for _, r in lines.iterrows()]
    return simple_table(["Line", "SKU", "Description", "Ordered", "Allocated", "Shipped", "Delivered",
                         "Invoiced", "Paid", "Returned", "Line status"], rows, id=Ids.LINES,
                        numeric=range(3, 10))


def _expected(s, tz: str, now) -> str:
    eta = s.estimated_delivery_at if pd.notna(s.estimated_delivery_at) else s.promised_delivery_at
    return fmt(eta, tz) + (" ⚠ passed" if is_missing(s.delivered_at) and passed(eta, now) else "")


def _shipments_table(ships: pd.DataFrame, tz: str, now) -> html.Div:
    if ships.empty:
        return shell.empty_state("No shipments yet", "Shipments appear when the warehouse confirms packing or shipping.")
    rows = [[s.shipment_id, s.carrier or "—", html.Span(s.tracking_no or "—", className="tower-mono"),
             words(s.status), fmt(s.shipped_at, tz),
             _expected(s, tz, now), fmt(s.delivered_at, tz),
             f"{words(s.last_scan_kind, missing='')} {fmt(s.last_scan_at, tz) if pd.notna(s.last_scan_at) else ''}".strip() or "—"]
            for s in ships.itertuples()]
    return simple_table(["Shipment", "Carrier", "Tracking", "Status", "Shipped", "Expected", "Delivered", "Last scan"],
                        rows, id=Ids.SHIPMENTS)


def _money_tables(inv: pd.DataFrame, pay: pd.DataFrame, ret: pd.DataFrame, tz: str) -> html.Div:
    if inv.empty and pay.empty and ret.empty:
        return shell.empty_state("Not invoiced yet", "Invoices appear when finance bills the shipment.")
    parts = []
    if not inv.empty:
        parts.append(simple_table(["Invoice", "Issued", "Due", "Amount", "Paid", "Open", "Status"],
                                  [[i.invoice_no, fmt(i.issued_at, tz), fmt(i.due_at, tz),
                                    money(i.currency, i.amount), money(None, i.paid_amount),
                                    money(None, i.open_amount), words(i.status)] for i in inv.itertuples()],
                                  id=Ids.INVOICES, numeric=[3, 4, 5]))
    if not pay.empty:
        parts.append(simple_table(["Payment", "Invoice", "Paid", "Amount", "Method"],
                                  [[p.payment_id, p.invoice_id or "—", fmt(p.paid_at, tz), money(None, p.amount),
                                    p.method or "—"] for p in pay.itertuples()], id="order-payments", numeric=[3]))
    if not ret.empty:
        parts.append(simple_table(["Return", "Requested", "Received", "Credited", "Qty", "Credit", "Status", "Reason"],
                                  [[r.return_id, fmt(r.requested_at, tz), fmt(r.received_at, tz),
                                    fmt(r.credited_at, tz), _num(r.qty_requested), money(None, r.credit_amount),
                                    words(r.status), r.reason or "—"] for r in ret.itertuples()], id="order-returns"))
    return dmc.Stack(parts, gap="sm")


def _exceptions_table(exc: pd.DataFrame, last: dict[int, str], order_id: str, tz: str) -> html.Div:
    if exc.empty:
        return shell.empty_state("No exceptions", "Nothing about this order needs attention.")
    rows = [[dcc.Link(f"#{e.exception_id}", href=f"/exceptions?id={e.exception_id}"),
             dmc.Stack([dmc.Text(e.title, size="sm"),
                        dmc.Text(decided_by(e.policy_version, e.origin), size="xs", c="dimmed")], gap=0),
             sides_text(e.detail if isinstance(e.detail, dict) else None, tz=tz),
             status.badge("severity", e.severity), status.badge("exception", e.status),
             e.team_name or e.team_id or "—", e.assignee or "—",
             # when the condition began, as on /exceptions (else when tower raised it)
             fmt(e.opened_at if pd.isna(e.condition_since) else e.condition_since, tz), fmt(e.due_at, tz),
             last.get(int(e.exception_id), "—")] for e in exc.itertuples()]
    return html.Div([simple_table(["#", "Exception", "What each system says", "Severity", "Status", "Team",
                                   "Assignee", "Since", "Due", "Last action"], rows, id=Ids.EXCEPTIONS),
                     dcc.Link("Act on this order's exceptions", href=f"/exceptions?order={quote(order_id)}")])


def _sources_table(view: pd.DataFrame, tz: str) -> html.Div:
    rows = [[r.label, fmt(r.last_heard_at, tz) if pd.notna(r.last_heard_at) else "nothing yet",
             fmt(r.last_success_at, tz) if pd.notna(r.last_success_at) else "—",
             status.badge("source", r.status)] for r in view.itertuples()]
    return simple_table(["System", "Newest fact about this order", "System last polled", "Freshness"],
                        rows, id=Ids.SOURCES)


def _section(title: str, body, help_text: str | None = None) -> dmc.Paper:
    return dmc.Paper([dmc.Title(title, order=4), dmc.Text(help_text, size="xs", c="dimmed", mb="xs") if help_text
                      else None, body], withBorder=True, p="md")


def layout(order_id: str | None = None, **_: str):
    raw = order_id if isinstance(order_id, str) else ""
    order_id = params.text(raw, max_chars=orders.MAX_SEARCH_CHARS) or ""
    if not order_id:
        return _not_found(raw.replace("\x00", "").strip())
    now = clock.now()
    user = current.user()
    scope = current.scope()
    with reading() as conn:
        found = order_file.read(order_id, conn=conn, scope=scope)  # the same read as the API's
        if found is None:
            return _not_found(order_id)
        h, tl, lines, ships = found.header, found.timeline, found.lines, found.shipments
        inv, pay, ret, exc = found.invoices, found.payments, found.returns, found.exceptions
        risk_row = risk.order_risk(conn=conn, order_id=order_id, scope=scope)
        hist = exceptions.history(exc["exception_id"].tolist(), conn=conn) if not exc.empty else None
        fresh = freshness.by_source(conn=conn, now=now)
        deviations = flow.order_deviations(conn=conn, order_id=order_id, scope=scope)
    tz = warehouse_zone(_running.warehouse_zones(), h.get("warehouse"), user.time_zone if user else "UTC")
    zone_label = zone_name(tz, now)
    plan = order_status.plan_vs_actual(h, tl, ships, inv, now=now, lines=lines)
    gaps = order_status.silences(tl, now=now, open_order=h["status"] == "open")
    last = {}
    if hist is not None:
        for r in hist.drop_duplicates("exception_id").itertuples():
            last[int(r.exception_id)] = f"{r.action} by {r.actor}, {fmt(r.at, tz)}"
    copy_text = summary(h, ships, inv, lines, tz=tz, now=now)
    return dmc.Stack([
        dcc.Link("← Find another order", href="/orders"),
        stale_banner(fresh, tz=tz, id="order-stale"),
        _header(h, tz, zone_label, copy_text, now),
        _section("Risk of missing the promise", risk_panel(risk_row, tz),
                 "The SLA-miss risk model's score and the strongest reasons behind it (/risk has its backtest)."),
        _section("Timeline", dmc.Stack([
            dcc.Graph(figure=order_timeline(tl, plan, gaps, tz=tz, zone_label=zone_label, now=now),
                      id=Ids.TIMELINE, config={"displayModeBar": False}),
            _plan_table(plan, tz),
            _events_table(tl, tz, gaps),
        ], gap="sm"), "Every fact each system reported, planned vs actual per step. Shaded stretches: "
                      "more than a day without news. 'not reported': a later step happened, so this one "
                      "did too, but its system never said so."),
        _section("Lines", _lines_table(lines)),
        _section("Shipments", _shipments_table(ships, tz, now)),
        _section("Invoices and payments", _money_tables(inv, pay, ret, tz)),
        _section("Exceptions", _exceptions_table(exc, last, order_id, tz)),
        _section("Flow conformance", order_conformance(deviations),
                 "This order's events checked against the expected flow in the policy (see /flow)."),
        _section("How fresh each system's view is", _sources_table(order_status.source_view(h, fresh), tz),
                 "The newest fact tower holds about this order from each system, and when tower last "
                 "heard from that system at all."),
    ], gap="md")
