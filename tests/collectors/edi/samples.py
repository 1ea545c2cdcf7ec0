"""Helpers for tests over the shared EDI sample files: the MANIFEST, and a partner registry that
admits the senders of the files the MANIFEST calls good (every set each of them sends), as a
real registry admits the partners a distributor has agreed to trade with."""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

from collectors.edi import partners
from collectors.edi.parse import parse_bytes


def manifest(shared_data: Path) -> list[dict[str, str]]:
    with open(shared_data / "edi" / "MANIFEST.csv", newline="") as handle:
        return list(csv.DictReader(handle))


@lru_cache(maxsize=4)
def sample_registry(shared_data: Path) -> partners.Registry:
    senders: dict[tuple[str, str, str], set[str]] = {}
    for row in manifest(shared_data):
        if row["negative_test"] == "True":
            continue
        parsed = parse_bytes((shared_data / row["file"]).read_bytes(), row["file"])
        for ic in parsed.interchanges:
            key = (parsed.standard, ic.sender_qualifier, ic.sender_id)
            senders.setdefault(key, set()).update(t.set_id for g in ic.groups for t in g.transactions)
    return partners.Registry([
        partners.Partner(f"sample-{n}", "sample sender", "wms", standard, (partners.Party(qualifier, sender),), (),
                         frozenset(sets))
        for n, ((standard, qualifier, sender), sets) in enumerate(sorted(senders.items()))])


def registry_for(path: Path, source: str = "carrier", time_zone: str = "UTC", **extra) -> partners.Registry:
    """A registry with one partner: the sender of `path`, allowed every set the file holds."""
    parsed = parse_bytes(path.read_bytes(), path.name)
    ic = parsed.interchanges[0]
    sets = {t.set_id for _, _, t in parsed.transactions()}
    return partners.Registry([partners.Partner("sample", "sample", source, parsed.standard,
                                               (partners.Party(ic.sender_qualifier, ic.sender_id),), (),
                                               frozenset(sets), time_zone, **extra)])
