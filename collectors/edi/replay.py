"""Replay of EDI dead letters with the registry named by the settings (TOWER_EDI_PARTNERS)."""

from __future__ import annotations

from collectors.edi import partners
from collectors.edi.intake import EdiReplay
from tower import intake_config


def registry() -> partners.Registry:
    return partners.load(intake_config.load().partners_file)


def resolve(stream: str) -> EdiReplay:
    return EdiReplay(stream, registry())
