"""Why an order stands where it stands, in words a customer-service agent can read out.

The rules keep their decision in `orders.reason_facts` (rule, started_at, clock, sla_hours,
used_hours, due_at, held_on, policy_version ...; tower.rules.engine). The engine's own
`reason` line ("hold.backorder: 73.8 of 48 h used on office") is for the audit; this module
turns the same facts into sentences, in one time zone (the page's), and names the flow-model
version that decided.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Mapping

import pandas as pd

from tower.components.timefmt import fmt

SOURCE_NAMES = {"erp": "ERP", "wms": "WMS", "carrier": "carrier", "finance": "finance"}
# What each rule's step is, in words, when the policy's own wording is not at hand.
STEP_WORDS = {
    "hold.credit_hold": "a credit hold to be released",
    "hold.backorder": "stock for a backordered line",
    "stage.entered": "ERP validation (credit, pricing, stock)",
    "stage.validated": "ERP release to the warehouse",
    "stage.released": "the warehouse to pick",
    "stage.picked": "the warehouse to pack",
    "stage.packed": "the warehouse to confirm shipment",
    "stage.shipped": "carrier delivery",
    "stage.delivered": "finance to invoice",
    "stage.invoiced": "the customer's payment",
    "return.requested": "the returned goods to arrive at the warehouse",
    "return.received": "finance to issue the credit note",
}
STATE_WORDS = {"on_track": "on track", "at_risk": "at risk of running late", "breached": "late"}


def _time(value: Any) -> pd.Timestamp | None:
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        return pd.Timestamp(value)
    except (TypeError, ValueError):
        return None


def _hours(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _clock_words(clock: str | None) -> str:
    if clock in (None, "wall clock"):
        return "hours"
    if clock == "office":
        return "office working hours"
    return f"working hours of the {clock} warehouse"


def plain_why(header: Mapping[str, Any], *, tz: str, now: datetime) -> str:
    """The header's "why" in sentences (see the module doc). Times in `tz` with its zone."""
    facts = header.get("reason_facts") or {}
    version = facts.get("policy_version") or header.get("policy_version")
    decided = f" Decided by flow model {version}." if version else ""
    if header.get("evaluated_at") is None:
        return ("The rules have not evaluated this order yet; stage and dates come straight from "
                "the source systems.")
    rule = facts.get("rule")
    if not rule:
        stage = str(header.get("stage") or "").replace("_", " ")
        if header.get("status") == "cancelled":
            return "Nothing is left to do: the order was cancelled in the ERP." + decided
        return f"Nothing is left to do: the order is {stage}." + decided
    step = STEP_WORDS.get(rule, rule.split(".", 1)[-1].replace("_", " "))
    started, due = _time(facts.get("started_at")), _time(facts.get("due_at"))
    owner = header.get("owner_team_name") or header.get("owner_team")
    parts = [f"Waiting on {step}" + (f" since {fmt(started, tz)}" if started is not None else "")
             + (f"; {owner} owns the next action" if owner else "") + "."]
    held = facts.get("held_on") or header.get("held_on")
    state = header.get("sla_state")
    if held:
        name = SOURCE_NAMES.get(held, held)
        parts.append(f"{name} data is not up to date, so tower cannot tell whether this step is late; "
                     f"late alerts for it are held back until {name} has caught up.")
    elif facts.get("clock") == "due date" and due is not None:
        what = "promised delivery date" if rule == "stage.shipped" else "due date"
        passed = due < pd.Timestamp(now)
        parts.append(f"The {what} is {fmt(due, tz)}" + (" — it has passed." if passed else "."))
    elif due is not None and facts.get("sla_hours") is not None:
        sla, used = float(facts["sla_hours"]), float(facts.get("used_hours") or 0)
        unit = _clock_words(facts.get("clock"))
        if state == "breached":
            parts.append(f"This step is allowed {_hours(sla)} {unit}; it was due {fmt(due, tz)} and is late.")
        else:
            parts.append(f"This step is allowed {_hours(sla)} {unit}; {_hours(used)} have been used, "
                         f"so it is due {fmt(due, tz)}"
                         + (f" — {STATE_WORDS[state]}." if state in STATE_WORDS else "."))
    return " ".join(parts) + decided
