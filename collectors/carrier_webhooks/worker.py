"""The webhook inbox job of the collector process: take new events, map them, ingest the
milestones and mark the events done, in one transaction per batch; an event that cannot be
mapped (or that the store refuses) goes to dead letters (source "webhooks", stream = provider)
with the reason and is marked dead. `tower deadletters replay` maps it again after a fix."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable

from sqlalchemy.engine import Engine

from collectors.carrier_webhooks.mapping import map_event
from collectors.edi import partners
from collectors.edi.intake import load_bytes, write_acks
from collectors.stream import SkipRecord
from tower import clock
from tower.config import IntakeSettings
from tower.store import dead_letters, webhook_inbox
from tower.store.dead_letters import DeadLetter
from tower.store.ingest import ingest

SOURCE = "webhooks"
BATCH = 500
SECONDS = 1.0


def process(engine: Engine, *, now: Callable[[], datetime] = clock.now, batch: int = BATCH,
            intake: IntakeSettings | None = None, registry: partners.Registry | None = None) -> int:
    """Map every waiting event, a batch per transaction; returns how many were taken. Uploaded
    EDI files (provider "edi:<partner>") are loaded like dropped files, with `registry` (default:
    the one `intake` names) and their acknowledgements written to `intake`'s outbox."""
    taken = 0
    while True:
        summaries = []
        with engine.begin() as conn:
            rows = webhook_inbox.take_new(conn=conn, limit=batch)
            if not rows:
                return taken
            taken += len(rows)
            stamp = now()
            milestones, origin, letters, dead_ids = [], {}, [], []
            files = [r for r in rows if r["provider"].startswith("edi:")]
            if files:
                if registry is None:
                    registry = partners.load(intake.partners_file if intake is not None else None)
                for row in files:
                    partner = row["provider"].split(":", 1)[1]
                    summaries.append(load_bytes(conn=conn, data=row["body"].encode("utf-8"), name=f"upload/{partner}/"
                                                f"{row['event_id'][:16]}", registry=registry, now=stamp,
                                                via="upload", partner_id=partner))
                webhook_inbox.mark(conn=conn, ids=[r["inbox_id"] for r in files], status="done", now=stamp)
                rows = [r for r in rows if not r["provider"].startswith("edi:")]
            for row in rows:
                try:
                    body = json.loads(row["body"])
                    mapped = map_event(row["provider"], body)
                except SkipRecord as exc:
                    letters.append(DeadLetter(SOURCE, row["provider"], row["event_id"], _payload(row), exc.reason))
                    dead_ids.append(row["inbox_id"])
                    continue
                except (ValueError, TypeError, KeyError, AttributeError) as exc:
                    letters.append(DeadLetter(SOURCE, row["provider"], row["event_id"], _payload(row),
                                              f"mapping failed: {type(exc).__name__}: {exc}"))
                    dead_ids.append(row["inbox_id"])
                    continue
                for milestone in mapped:
                    # The channel for the timeline (tower.data.channels); a generic event keeps
                    # the polled stream's event id, so whichever way came first is the one fact.
                    milestone.attrs.setdefault("via", "webhook")
                    milestone.attrs.setdefault("provider", row["provider"])
                    milestones.append(milestone)
                    origin[id(milestone)] = row
            result = ingest(conn=conn, milestones=milestones)
            for rejected in result.rejected:
                refused = origin.get(id(rejected.record))
                if refused is not None and refused["inbox_id"] not in dead_ids:
                    letters.append(DeadLetter(SOURCE, refused["provider"], refused["event_id"], _payload(refused),
                                              f"rejected by the store: {rejected.reason}"))
                    dead_ids.append(refused["inbox_id"])
            dead_letters.record(conn=conn, letters=letters, now=stamp)
            webhook_inbox.mark(conn=conn, ids=dead_ids, status="dead", now=stamp, error="see dead letters")
            webhook_inbox.mark(conn=conn, ids=[r["inbox_id"] for r in rows if r["inbox_id"] not in dead_ids],
                               status="done", now=stamp)
        if intake is not None:
            for summary in summaries:   # after the commit, as for dropped files
                write_acks(summary, intake.outbox)


def _payload(row: dict[str, Any]) -> Any:
    try:
        return {"provider": row["provider"], "event": json.loads(row["body"])}
    except ValueError:
        return {"provider": row["provider"], "raw": row["body"]}


class WebhookReplay:
    """The replay "stream" for webhook dead letters."""

    source = SOURCE

    def __init__(self, provider: str) -> None:
        self.provider = provider

    def map(self, payload: Any) -> tuple[None, list]:
        if not isinstance(payload, dict) or "event" not in payload:
            raise SkipRecord("the dead letter holds no parsed event (the body was not JSON)")
        return None, map_event(self.provider, payload["event"])


def scheduled_job(engine: Engine, settings: IntakeSettings,
                  registry: partners.Registry) -> tuple[str, float, Callable[[], Any]]:
    """The webhook inbox job (uploaded EDI files are loaded with `registry`)."""
    return ("webhook-inbox", SECONDS, lambda: process(engine, intake=settings, registry=registry))
