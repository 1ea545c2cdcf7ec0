"""The trading-partner registry: who may send what, and what they stand for.

A YAML file (TOWER_EDI_PARTNERS, default: the sandbox partners shipped beside this module):

    partners:
      - id: acme-3pl                 # folder name under TOWER_EDI_INBOX, outbox name
        name: ACME Logistics (3PL)
        source: wms                  # the system the partner stands for (milestone source)
        standard: X12                # or EDIFACT
        sender: {qualifier: ZZ, id: ACME3PL}       # ISA05/06 or UNB S002 (one or a list)
        receiver: {qualifier: ZZ, id: TOWERDIST}   # ISA07/08 or UNB S003
        sets: ["856", "945", "810"]  # transaction sets / messages it may send
        time_zone: America/Chicago   # for times without a zone (X12 "LT", EDIFACT dates)
        order_reference: order_no    # or customer_po: how the partner names an order
        codes: {at7_status: {K2: in_transit}}   # code-list overrides

An interchange whose sender is not in the registry, or a set its partner may not send, is
rejected with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

DEFAULT_FILE = Path(__file__).resolve().parent / "partners.yaml"
STANDARDS = ("X12", "EDIFACT")
SOURCES = ("erp", "wms", "carrier", "finance")
ORDER_REFERENCES = ("order_no", "customer_po")


class PartnerError(ValueError):
    """The registry file is malformed; the message says which partner and field."""


@dataclass(frozen=True)
class Party:
    qualifier: str
    id: str

    def matches(self, qualifier: str, value: str) -> bool:
        # Qualifiers are optional in EDIFACT and often blank: an empty one matches any.
        return self.id == value.strip() and (not self.qualifier or not qualifier or self.qualifier == qualifier.strip())


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    source: str
    standard: str
    senders: tuple[Party, ...]
    receivers: tuple[Party, ...]
    sets: frozenset[str]
    time_zone: str = "UTC"
    order_reference: str = "order_no"
    codes: Mapping[str, Any] = field(default_factory=dict)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass
class Registry:
    partners: list[Partner]

    def get(self, partner_id: str) -> Partner | None:
        return next((p for p in self.partners if p.id == partner_id), None)

    def by_sender(self, standard: str, qualifier: str, value: str) -> Partner | None:
        return next((p for p in self.partners if p.standard == standard
                     and any(s.matches(qualifier, value) for s in p.senders)), None)


def _parties(raw: Any, where: str) -> tuple[Party, ...]:
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for item in items:
        if not isinstance(item, Mapping) or not str(item.get("id") or "").strip():
            raise PartnerError(f"{where}: expected {{qualifier, id}}, got {item!r}")
        out.append(Party(str(item.get("qualifier") or "").strip(), str(item["id"]).strip()))
    return tuple(out)


def _partner(raw: Any, n: int) -> Partner:
    if not isinstance(raw, Mapping):
        raise PartnerError(f"partner #{n}: expected a mapping, got {type(raw).__name__}")
    pid = str(raw.get("id") or "").strip()
    where = f"partner {pid or '#' + str(n)}"
    if not pid or "/" in pid or pid.startswith("."):
        raise PartnerError(f"{where}: expected an id usable as a folder name")
    standard = str(raw.get("standard") or "").upper()
    if standard not in STANDARDS:
        raise PartnerError(f"{where}: standard must be one of {', '.join(STANDARDS)}, got {raw.get('standard')!r}")
    source = str(raw.get("source") or "")
    if source not in SOURCES:
        raise PartnerError(f"{where}: source must be one of {', '.join(SOURCES)}, got {source!r}")
    reference = str(raw.get("order_reference") or "order_no")
    if reference not in ORDER_REFERENCES:
        raise PartnerError(f"{where}: order_reference must be one of {', '.join(ORDER_REFERENCES)}")
    zone = str(raw.get("time_zone") or "UTC")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise PartnerError(f"{where}: unknown time_zone {zone!r}") from None
    codes = raw.get("codes") or {}
    if not isinstance(codes, Mapping):
        raise PartnerError(f"{where}: codes must be a mapping of code lists")
    return Partner(pid, str(raw.get("name") or pid), source, standard,
                   _parties(raw.get("sender"), f"{where} sender"), _parties(raw.get("receiver") or [], f"{where} receiver")
                   if raw.get("receiver") else (), frozenset(str(s) for s in raw.get("sets") or ()),
                   zone, reference, dict(codes))


def load(path: Path | None = None) -> Registry:
    """The registry from `path` (default: the shipped sandbox partners); PartnerError if bad."""
    path = path or DEFAULT_FILE
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise PartnerError(f"cannot read the trading-partner file {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise PartnerError(f"{path} is not valid YAML: {exc}") from None
    raw = data.get("partners") if isinstance(data, Mapping) else None
    if not isinstance(raw, list):
        raise PartnerError(f"{path}: expected a top-level 'partners:' list")
    partners = [_partner(item, n) for n, item in enumerate(raw, start=1)]
    ids = [p.id for p in partners]
    if len(set(ids)) != len(ids):
        raise PartnerError(f"{path}: partner ids must be unique, got {ids}")
    return Registry(partners)


def check_sender(registry: Registry, standard: str, qualifier: str, sender: str, receiver_qualifier: str,
                 receiver: str, expected: str | None = None) -> tuple[Partner | None, str | None]:
    """(the partner, None) or (None, why the interchange is refused)."""
    partner = registry.by_sender(standard, qualifier, sender)
    if partner is None:
        return None, (f"unknown trading partner: no {standard} partner sends as "
                      f"{qualifier.strip() + ':' if qualifier.strip() else ''}{sender.strip()!r}")
    if expected and partner.id != expected:
        return None, f"the sender {sender.strip()!r} is partner {partner.id!r}, not {expected!r} (the file's folder or --partner)"
    if partner.receivers and not any(r.matches(receiver_qualifier, receiver) for r in partner.receivers):
        return None, f"partner {partner.id!r} sent to receiver {receiver.strip()!r}, which is not tower's id for it"
    return partner, None
