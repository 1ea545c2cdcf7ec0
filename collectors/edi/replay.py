"""Replay of B2B intake dead letters: EDI ones with the registry named by the settings
(TOWER_EDI_PARTNERS), webhook ones with the carrier webhook mapping."""

from __future__ import annotations

from collectors.edi import partners
from collectors.edi.intake import EdiReplay
from tower import intake_config


def registry() -> partners.Registry:
    return partners.load(intake_config.load().partners_file)


def resolve(source: str, stream: str):
    if source == "webhooks":
        from collectors.carrier_webhooks.worker import WebhookReplay
        return WebhookReplay(stream)
    return EdiReplay(stream, registry())
