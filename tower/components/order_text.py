"""The order in words: the header's "where is it" answers, the plain-language status a
customer can be given (the "copy status" button), and small timeline captions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any, TypeAlias

import pandas as pd

from tower.components.text import money, words
from tower.components.timefmt import ago, fmt
from tower.data.frames import is_missing, text_or_none


@dataclass(frozen=True)
class WhereIsIt:
    stage: str
    waiting_on: str
    owner: str
    due_by: str
    sla_state: str | None
    promised: str
    value: str


_DELIVERED = ("delivered", "invoiced", "paid")


def passed(when, now: datetime | None) -> bool:
    """True when a promised or expected time lies before `now` (a date to flag)."""
    return now is not None and not is_missing(when) and pd.Timestamp(when) < pd.Timestamp(now)


def promise_words(header: dict, *, tz: str, now: datetime | None) -> str:
    """The promised delivery time, flagged when it has passed and the order is not delivered."""
    text = fmt(header.get("promised_at"), tz)
    if (header.get("status") == "open" and header.get("stage") not in _DELIVERED
            and passed(header.get("promised_at"), now)):
        text += " — passed, not delivered yet"
    return text


def where_is_it(header: dict, *, tz: str, now: datetime | None = None) -> WhereIsIt:
    """The header's answers in words; rules fields say 'not evaluated yet' until the rules ran.
    With `now`, a promised time that has passed on an undelivered order is flagged."""
    evaluated = header.get("evaluated_at") is not None
    pending = "not evaluated yet"
    stage = words(header.get("stage"), missing="not known yet")
    if header.get("is_partial"):
        stage += " (partly)"
    if header.get("credit_hold"):
        stage += " · on credit hold"
    owner = text_or_none(header.get("owner_team_name")) or text_or_none(header.get("owner_team"))
    if owner and text_or_none(header.get("owner_lead")):
        owner = f"{owner} (lead {header['owner_lead']})"
    return WhereIsIt(
        stage=stage,
        waiting_on=text_or_none(header.get("waiting_on")) or (pending if not evaluated else "nothing"),
        owner=owner or (pending if not evaluated else "nobody (no open step)"),
        due_by=fmt(header["due_at"], tz) if header.get("due_at") is not None else (pending if not evaluated else "—"),
        sla_state=text_or_none(header.get("sla_state")),
        promised=promise_words(header, tz=tz, now=now),
        value=money(header.get("currency"), header.get("value") if header.get("value") is not None else 0),
    )


Rows: TypeAlias = "pd.DataFrame | Sequence[Mapping[str, Any]]"


def _each(rows: Rows) -> Iterator[Any]:
    """A frame's rows as itertuples gives them, or plain dicts (tower.data.order_file's rows)
    with the same attribute access: the API answers without building a frame."""
    if isinstance(rows, pd.DataFrame):
        yield from rows.itertuples()
    else:
        for row in rows:
            yield SimpleNamespace(**row)


def summary(header: dict, shipments: Rows, invoices: Rows, lines: Rows, *, tz: str, now: datetime) -> str:
    """A plain-language status to paste into a reply to the customer (shipments, invoices and
    lines as frames or as lists of row dicts)."""
    w = where_is_it(header, tz=tz, now=now)
    parts = [f"Order {header['order_id']}"
             + (f" (your PO {header['customer_po']})" if text_or_none(header.get("customer_po")) else "")
             + (f" for {header['customer_name']}" if text_or_none(header.get("customer_name")) else "")
             + f": {len(lines)} line{'s' if len(lines) != 1 else ''}, {w.value}."]
    if header.get("status") == "cancelled":
        parts.append("The order was cancelled.")
    else:
        parts.append(f"Status: {w.stage}.")
    for s in _each(shipments):
        text = f"Shipment {s.shipment_id}"
        if text_or_none(s.carrier):
            text += f" via {s.carrier}"
        if text_or_none(s.tracking_no):
            text += f", tracking {s.tracking_no}"
        if pd.notna(s.delivered_at):
            text += f", delivered {fmt(s.delivered_at, tz)}"
        elif pd.notna(s.shipped_at):
            text += f", shipped {fmt(s.shipped_at, tz)}"
            if text_or_none(s.last_scan_kind):
                text += f", last carrier scan '{words(s.last_scan_kind)}' {fmt(s.last_scan_at, tz)}"
            eta = s.estimated_delivery_at if pd.notna(s.estimated_delivery_at) else s.promised_delivery_at
            if pd.notna(eta):
                text += f", expected {fmt(eta, tz)}" + (" (that time has passed)" if passed(eta, now) else "")
        parts.append(text + ".")
    if header.get("promised_at") is not None and header.get("stage") not in ("delivered", "invoiced", "paid"):
        parts.append(f"Promised delivery: {w.promised}.")
    for inv in _each(invoices):
        parts.append(f"Invoice {text_or_none(inv.invoice_no) or inv.invoice_id} for {money(inv.currency, inv.amount)} issued "
                     f"{fmt(inv.issued_at, tz)}, {words(inv.status, missing='status not known')}"
                     + (f", due {fmt(inv.due_at, tz)}" if pd.notna(inv.due_at) and inv.status != "paid" else "") + ".")
    if header.get("evaluated_at") is not None and header.get("status") == "open":
        sla = {"on_track": "on track", "at_risk": "at risk of running late", "breached": "running late",
               "uncertain": "uncertain while a source system is catching up"}.get(text_or_none(header.get("sla_state")) or "", "")
        parts.append(f"Next: {w.waiting_on}" + (f" — {sla}" if sla else "") + ".")
    parts.append(f"(Status as of {fmt(now, tz)}.)")
    return " ".join(parts)


def since_previous(timeline: pd.DataFrame) -> list[str]:
    """For the timeline table: time since the previous fact, in words."""
    out, prev = [], None
    for t in timeline["occurred_at"]:
        out.append("—" if prev is None else ago((t - prev).total_seconds()))
        prev = t
    return out
