"""Replay of B2B intake dead letters: EDI ones with the trading partners the process started
with, webhook ones with the carrier webhook mapping."""

from __future__ import annotations

from collectors.carrier_webhooks.worker import WebhookReplay
from collectors.edi import partners
from collectors.edi.intake import EdiReplay


def resolve(source: str, stream: str, registry: partners.Registry) -> EdiReplay | WebhookReplay:
    if source == "webhooks":
        return WebhookReplay(stream)
    return EdiReplay(stream, registry)
