"""What a message says: e-mail text and webhook JSON for alerts and digests (pure).

A webhook body is one JSON object:

    {"type": "tower.alert" | "tower.digest", "delivery_id": "<uuid>", "sent_at": "...",
     "events": [{"id": "<uuid>", "type": "exception.escalated", "at": "...", "tier": 1,
                 "exception": {"id": 12, "kind": ..., "severity": ..., "team": ..., "title": ...,
                               "order_id": ..., "warehouse": ..., "value": 1250.0, "url": ...}}]}

`delivery_id` is the same on every retry of one message and each event's `id` is the same in
whatever message carries it, so a receiver dedupes on either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Sequence

EMAIL_LISTED = 50      # an e-mail lists this many events (by value); the rest are counted
_WORDS = {"raised": "raised", "escalated": "escalated", "breached": "past its SLA", "resolved": "resolved"}


def _money(value: Any) -> str:
    return f"${float(value or 0):,.2f}"


def _event_line(e: dict[str, Any], link_base: str) -> str:
    f = e["facts"]
    what = _WORDS.get(e["kind"], e["kind"])
    if e["kind"] == "escalated":
        what += f" to the {f.get('role') or 'next tier'}" + (f" ({f['escalated_to']})" if f.get("escalated_to") else "")
    order = f" · order {f['order_id']}" if f.get("order_id") else ""
    place = f" · {f['warehouse']}" if f.get("warehouse") else ""
    return (f"- [{f.get('severity', '?')}] {f.get('title', '')}: {what}{order}{place} · {_money(f.get('value'))}"
            f" · team {f.get('team') or '-'}\n  {link_base}/exceptions?id={e['exception_id']}")


def alert_email(events: Sequence[dict[str, Any]], *, link_base: str) -> tuple[str, str]:
    """(subject, plain text) of an alert carrying `events`."""
    if len(events) == 1:
        e = events[0]
        f = e["facts"]
        what = _WORDS.get(e["kind"], e["kind"])
        if e["kind"] == "escalated" and f.get("role"):
            what += f" to the {f['role']}"
        subject = f"[tower] {what[:1].upper()}{what[1:]}: {f.get('title', 'an exception')}"
    else:
        counts: dict[str, int] = {}
        for e in events:
            counts[e["kind"]] = counts.get(e["kind"], 0) + 1
        subject = f"[tower] {len(events)} exception events: " + ", ".join(
            f"{n} {_WORDS.get(k, k)}" for k, n in sorted(counts.items()))
    listed = sorted(events, key=lambda e: -float(e["facts"].get("value") or 0))[:EMAIL_LISTED]
    lines = [_event_line(e, link_base) for e in listed]
    more = len(events) - len(listed)
    if more:
        lines.append(f"... and {more} more: {link_base}/exceptions")
    body = "\n".join([f"{len(events)} event(s) from tower:", "", *lines, "",
                      "You receive this because a notification rule in tower's policy routes these events to you."])
    return subject, body + "\n"


def event_json(e: dict[str, Any], *, link_base: str) -> dict[str, Any]:
    f = e["facts"]
    return {"id": e["event_uuid"], "type": f"exception.{e['kind']}", "at": _iso(e["at"]),
            "tier": e.get("tier"), "actor": e.get("actor"),
            "exception": {"id": e["exception_id"], "kind": f.get("exception_kind"), "subject": f.get("subject"),
                          "severity": f.get("severity"), "team": f.get("team"), "title": f.get("title"),
                          "status": f.get("status"), "order_id": f.get("order_id"),
                          "warehouse": f.get("warehouse"), "customer": f.get("customer"),
                          "value": float(f.get("value") or 0), "due_at": f.get("due_at"),
                          "escalated_to": f.get("escalated_to"), "role": f.get("role"),
                          "url": f"{link_base}/exceptions?id={e['exception_id']}"}}


def alert_webhook(delivery_uuid: str, events: Sequence[dict[str, Any]], *, sent_at: datetime,
                  link_base: str) -> dict[str, Any]:
    return {"type": "tower.alert", "delivery_id": delivery_uuid, "sent_at": _iso(sent_at),
            "events": [event_json(e, link_base=link_base) for e in events]}


def digest_email(content: dict[str, Any], *, link_base: str) -> tuple[str, str]:
    """(subject, plain text) of a team's daily digest from its fixed figures."""
    c = content
    lines = [f"Daily digest for {c['team_name']} ({c['day']}), as of {c['as_of']}", "",
             f"Open:            {c['open']}", f"At risk:         {c['at_risk']}",
             f"Overdue:         {c['overdue']}", f"Newly breached:  {len(c['newly_breached'])} (last 24 h)",
             f"Value at risk:   {_money(c['value_at_risk'])}", "", "Top by value:"]
    lines += [f"- {_money(x['value'])}  {x['title']}  {link_base}/exceptions?id={x['exception_id']}"
              for x in c["top_by_value"]] or ["- (none open)"]
    lines += ["", "Newly breached:"]
    lines += [f"- {x['title']} (due {x['due_at']})  {link_base}/exceptions?id={x['exception_id']}"
              for x in c["newly_breached"]] or ["- (none)"]
    subject = (f"[tower] {c['team_name']} digest {c['day']}: {c['open']} open, "
               f"{c['overdue']} overdue, {len(c['newly_breached'])} newly breached")
    return subject, "\n".join(lines) + "\n"


def digest_webhook(delivery_uuid: str, content: dict[str, Any], *, sent_at: datetime) -> dict[str, Any]:
    return {"type": "tower.digest", "delivery_id": delivery_uuid, "sent_at": _iso(sent_at), "digest": content}


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value
