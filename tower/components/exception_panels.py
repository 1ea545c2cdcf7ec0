"""Pieces of the exceptions page: the filter bar (its values come from the URL), the grid's
columns and rows, the actions panel and the history panel."""

from __future__ import annotations

from typing import Mapping

import dash_mantine_components as dmc
import pandas as pd
from dash import dcc, html

from tower.components import shell, status
from tower.components.sides import decided_by, sides
from tower.components.text import markdown_link
from tower.components.timefmt import fmt
from tower.data.exceptions import SLA_STATES, Filters
from tower.data.frames import is_missing, text_or_none

SEVERITIES = ["critical", "high", "medium", "low"]
STATUSES = ["open", "acknowledged", "in_progress", "on_hold", "snoozed"]
REOPEN = "exceptions-reopen"   # pattern-matching type of the history panel's Reopen buttons
SNOOZE_HOURS = [("1", "1 hour"), ("4", "4 hours"), ("24", "1 day"), ("72", "3 days"), ("168", "1 week")]


def _options(values, labels: dict[str, str] | None = None) -> list[dict[str, str]]:
    return [{"value": v, "label": (labels or {}).get(v, v.replace("_", " "))} for v in values]


def filter_bar(f: Filters, facets: dict[str, list[str]]) -> dmc.Paper:
    """Filter controls showing `f` (from the URL); Apply writes them back into the URL."""
    def multi(id_: str, label: str, values, chosen, labels=None) -> dmc.MultiSelect:
        data = _options(sorted(set(values) | set(chosen)), labels)
        return dmc.MultiSelect(id=id_, label=label, data=data, value=list(chosen), clearable=True,
                               searchable=True, placeholder="any", w=190, size="xs")
    return dmc.Paper(dmc.Stack([
        dmc.Group([
            multi("exceptions-f-kind", "Kind", facets["kind"], f.kinds),
            multi("exceptions-f-severity", "Severity", SEVERITIES, f.severities, {s: s.capitalize() for s in SEVERITIES}),
            multi("exceptions-f-team", "Team", facets["team"], f.teams),
            multi("exceptions-f-assignee", "Assignee", facets["assignee"], f.assignees),
            multi("exceptions-f-warehouse", "Warehouse", facets["warehouse"], f.warehouses),
            multi("exceptions-f-region", "Region", facets["region"], f.regions),
            multi("exceptions-f-sla", "SLA state", SLA_STATES, f.slas,
                  {s: status.label("sla", s) if s != "none" else "No due time" for s in SLA_STATES}),
            multi("exceptions-f-status", "Status", STATUSES, f.statuses),
            dmc.NumberInput(id="exceptions-f-min-age", label="Older than (h)", value=f.min_age_hours, min=0,
                            w=120, size="xs", allowNegative=False),
            dmc.NumberInput(id="exceptions-f-max-age", label="Younger than (h)", value=f.max_age_hours, min=0,
                            w=120, size="xs", allowNegative=False),
        ], gap="xs", align="flex-end"),
        dmc.Group([
            dmc.Badge(f"Order {', '.join(f.orders)}", variant="outline", id="exceptions-f-order") if f.orders else None,
            dmc.Badge(f"Exception #{', #'.join(f.ids)}", variant="outline", id="exceptions-f-id") if f.ids else None,
            dmc.Button("Apply filters", id="exceptions-apply", size="xs"),
            dcc.Link("Clear all", href="/exceptions", refresh=True, id="exceptions-clear"),
            dmc.Text("The address bar holds these filters: copy it to share this exact view.", size="xs", c="dimmed"),
        ], gap="md"),
    ], gap="xs"), withBorder=True, p="sm")


COLUMNS = [
    {"field": "exception_id", "headerName": "#", "width": 90},
    {"field": "priority", "headerName": "Priority", "width": 95, "type": "numericColumn",
     "valueFormatter": {"function": "d3.format('.1f')(params.value)"}},
    {"field": "severity_text", "headerName": "Severity", "width": 105,
     "cellStyle": {"styleConditions": [
         {"condition": "params.value == 'Critical'", "style": {"color": "#c92a2a", "fontWeight": 700}},
         {"condition": "params.value == 'High'", "style": {"color": "#d9480f", "fontWeight": 600}}]}},
    {"field": "title", "headerName": "Exception", "flex": 2, "minWidth": 240, "tooltipField": "title"},
    {"field": "order_id", "headerName": "Order", "width": 120, "cellRenderer": "markdown"},
    {"field": "status_text", "headerName": "Status", "width": 150, "tooltipField": "status_text"},
    {"field": "tier_text", "headerName": "Escalated to", "width": 130},
    {"field": "sla_text", "headerName": "SLA", "width": 110,
     "cellStyle": {"styleConditions": [
         {"condition": "params.value == 'Breached'", "style": {"color": "#c92a2a", "fontWeight": 600}},
         {"condition": "params.value == 'At risk'", "style": {"color": "#e67700"}}]}},
    {"field": "team", "headerName": "Team", "width": 150},
    {"field": "assignee_text", "headerName": "Assignee", "width": 120},
    {"field": "warehouse", "headerName": "Warehouse", "width": 105},
    {"field": "region", "headerName": "Region", "width": 90},
    {"field": "age_hours", "headerName": "Age (h)", "width": 95, "type": "numericColumn",
     "headerTooltip": "Hours since the condition began (e.g. the invoice's due date passed), not since tower raised it",
     "valueFormatter": {"function": "d3.format('.1f')(params.value)"}},
    {"field": "since", "headerName": "Since", "width": 165, "sortable": False,
     "headerTooltip": "When the condition began, as the facts tell it"},
    {"field": "opened", "headerName": "Raised", "width": 165, "sortable": False,
     "headerTooltip": "When tower raised the exception; response times run from here"},
    {"field": "due", "headerName": "Due", "width": 165, "sortable": False},
    {"field": "value_at_risk", "headerName": "Value at risk", "width": 120, "type": "numericColumn",
     "valueFormatter": {"function": "d3.format(',.2f')(params.value)"}},
]


# Escalation tier in words: who the exception has been escalated to (policy `escalation`).
TIERS = {0: "—", 1: "team lead", 2: "manager"}


def status_words(value: str, snoozed_until, tz: str) -> str:
    """An exception's status in words; a snooze says until when ('Snoozed until 27 Nov 14:00 CST')."""
    text = status.label("exception", value)
    if value == "snoozed" and snoozed_until is not None and not pd.isna(snoozed_until):
        text += f" until {fmt(snoozed_until, tz)}"
    return text


def grid_rows(frame: pd.DataFrame, viewer_tz: str, zones: Mapping[str, str]) -> list[dict]:
    """Rows for the grid: words for statuses (colour only repeats them), times in the
    warehouse's zone (or the viewer's) with the zone's abbreviation in every cell."""
    rows = []
    for r in frame.itertuples():
        tz = zones.get(text_or_none(r.warehouse) or "", viewer_tz)
        tier = 0 if is_missing(r.escalation_tier) else int(r.escalation_tier)
        rows.append({
            "row_id": str(r.exception_id), "exception_id": int(r.exception_id),
            "priority": 0.0 if is_missing(r.priority) else float(r.priority),
            "severity_text": status.label("severity", r.severity), "title": r.title if isinstance(r.title, str) else "",
            "order_id": markdown_link(r.order_id, "/orders/", r.order_id) if isinstance(r.order_id, str) else "(incident)",
            "status_text": status_words(r.status, r.snoozed_until, tz),
            "tier_text": TIERS.get(tier, f"tier {tier}"),
            "sla_text": status.label("sla", r.sla_state) if isinstance(r.sla_state, str) else "No due time",
            "team": text_or_none(r.team_name) or text_or_none(r.team_id) or "—",
            "assignee_text": r.assignee if isinstance(r.assignee, str) else "(unassigned)",
            "warehouse": r.warehouse if isinstance(r.warehouse, str) else "—",
            "region": r.region if isinstance(r.region, str) else "—",
            "age_hours": None if is_missing(r.age_hours) else round(float(r.age_hours), 2),
            "since": fmt(r.condition_since if not is_missing(r.condition_since) else r.opened_at, tz),
            "opened": fmt(r.opened_at, tz), "due": fmt(r.due_at, tz),
            "value_at_risk": 0.0 if is_missing(r.value_at_risk) else float(r.value_at_risk),
        })
    return rows


def actions_panel(reason_codes) -> dmc.Paper:
    return dmc.Paper(dmc.Stack([
        dmc.Title("Act on the selected rows", order=5),
        dmc.Text("Tick rows in the grid first. Every action is recorded with your name.", size="xs", c="dimmed"),
        dmc.Group([dmc.Button("Acknowledge", id="exceptions-ack", size="xs", variant="light")], gap="xs"),
        dmc.Group([dmc.TextInput(id="exceptions-assignee", placeholder="user name (empty = me)", size="xs", w=200),
                   dmc.Button("Assign", id="exceptions-assign", size="xs", variant="light")], gap="xs", align="flex-end"),
        dmc.Textarea(id="exceptions-comment", placeholder="Comment (kept with the next action, or on its own)", size="xs",
                     autosize=True, minRows=2),
        dmc.Button("Add comment", id="exceptions-comment-btn", size="xs", variant="light", w=140),
        dmc.Group([dmc.Select(id="exceptions-snooze-for", data=[{"value": v, "label": f"snooze until now + {t}"}
                                                                  for v, t in SNOOZE_HOURS],
                              value="4", size="xs", w=220, allowDeselect=False),
                   dmc.Button("Snooze", id="exceptions-snooze", size="xs", variant="light")], gap="xs"),
        dmc.Group([dmc.Select(id="exceptions-reason", placeholder="reason for resolving",
                              data=_options(reason_codes), size="xs", w=220),
                   dmc.Button("Resolve", id="exceptions-resolve", size="xs", color="green")], gap="xs"),
        html.Div(id="exceptions-feedback"),
    ], gap=8), withBorder=True, p="sm")


def history_panel(rows: pd.DataFrame | None, history: pd.DataFrame | None, viewer_tz: str,
                  zones: Mapping[str, str]) -> html.Div:
    """The audit of each selected exception, newest first (`rows`: exception_id, order_id,
    title, status, warehouse; `history`: tower.data.exceptions.history)."""
    if rows is None or rows.empty or history is None:
        return shell.empty_state("History", "Select a row to see who did what to it, and when.",
                                 id="exceptions-history-empty")
    blocks = []
    for r in rows.itertuples():
        tz = zones.get(r.warehouse or "", viewer_tz) if isinstance(r.warehouse, str) else viewer_tz
        events = history[history["exception_id"] == r.exception_id]
        items = [dmc.TimelineItem(
            title=f"{e.action} by {e.actor}", children=[
                dmc.Text(fmt(e.at, tz, seconds=True), size="xs", c="dimmed"),
                dmc.Text(" → ".join(x for x in (e.from_status, e.to_status) if isinstance(x, str)) or "", size="xs"),
                dmc.Text(f"reason: {e.reason}", size="xs") if isinstance(e.reason, str) and e.reason else None,
                dmc.Text(f"“{e.comment}”", size="xs", fs="italic") if isinstance(e.comment, str) and e.comment else None,
            ]) for e in events.itertuples()]
        order = dcc.Link(r.order_id, href=f"/orders/{r.order_id}") if isinstance(r.order_id, str) else "integration incident"
        detail = r.detail if isinstance(getattr(r, "detail", None), dict) else {}
        said = sides(detail, tz=tz)
        blocks.append(dmc.Paper([
            dmc.Group([dmc.Text(f"#{r.exception_id} {r.title}", fw=600, size="sm"),
                       status.badge("exception", r.status)], gap="xs"),
            dmc.Text(["Order ", order], size="xs", mb=4),
            dmc.List([dmc.ListItem(x) for x in said], size="xs", className="exceptions-sides") if said else None,
            dmc.Text(status_words(r.status, getattr(r, "snoozed_until", None), tz), size="xs")
            if r.status == "snoozed" else None,
            dmc.Text(decided_by(getattr(r, "policy_version", None), getattr(r, "origin", None)),
                     size="xs", c="dimmed", className="exceptions-decided-by"),
            # A resolved exception that is not over after all can be reopened (never history).
            dmc.Button("Reopen", id={"type": REOPEN, "index": int(r.exception_id)}, size="compact-xs",
                       variant="light", color="orange", w=90)
            if r.status == "resolved" and getattr(r, "origin", "live") != "history" else None,
            dmc.Timeline(items, active=0, bulletSize=12, lineWidth=2) if items
            else dmc.Text("No events recorded yet.", size="xs"),
        ], withBorder=True, p="xs", className="exceptions-history-block"))
    return html.Div(dmc.Stack(blocks, gap="xs"), id="exceptions-history-list")
