"""Mapping files: how an OCEL log's activities and object types become tower's milestones.

A mapping (YAML) names the log's object type for each of tower's roles (order, line,
shipment, invoice, payment, return, customer), the milestone kind of each activity (null:
known and deliberately not mapped; an activity missing from the mapping is rejected with the
reason), per-activity attribute renames, the order id prefix, the zone of times without one
and whether promises are dates or instants. A log tower exported itself needs no mapping:
its event types are tower's kinds and its relations are qualified by role ("tower" below).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from tower.milestones import KINDS

HERE = Path(__file__).parent / "mappings"
DEFAULTS = {"pm4py_ocel_order_simulated": HERE / "pm4py_order_simulated.yaml"}
ROLES = ("order", "line", "shipment", "invoice", "payment", "return", "customer")


class MappingError(ValueError):
    """The mapping file cannot be used (the message says which entry and why)."""


@dataclass(frozen=True)
class Activity:
    kind: str
    lines: str = "event"        # "event": the event's own line objects; "all": every line of the order
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Mapping:
    name: str
    order_prefix: str = ""
    zone: ZoneInfo = ZoneInfo("UTC")
    warehouse: str | None = None
    promise: str = "instant"
    objects: dict[str, str] = field(default_factory=dict)         # role -> log object type
    activities: dict[str, Activity | None] = field(default_factory=dict)
    tower: bool = False         # the log is tower's own export: types are kinds, qualifiers roles

    def role_of(self, object_type: str) -> str | None:
        for role, otype in self.objects.items():
            if otype == object_type:
                return role
        return None


TOWER = Mapping(name="tower's own OCEL export", tower=True)


def load(path: Path) -> Mapping:
    try:
        doc = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(f"cannot read mapping {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise MappingError(f"{path}: a mapping is a YAML object")
    if doc.get("vocabulary") == "tower":
        return TOWER
    try:
        zone = ZoneInfo(doc.get("zone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise MappingError(f"{path}: zone {doc.get('zone')!r} is not a known time zone") from None
    objects = doc.get("objects") or {}
    for role in objects:
        if role not in ROLES:
            raise MappingError(f"{path}: objects.{role} is not a role (known: {', '.join(ROLES)})")
    if "order" not in objects:
        raise MappingError(f"{path}: objects.order must name the log's order object type")
    activities: dict[str, Activity | None] = {}
    for name, spec in (doc.get("activities") or {}).items():
        if spec is None:
            activities[name] = None
            continue
        spec = {"kind": spec} if isinstance(spec, str) else spec
        if not isinstance(spec, dict) or spec.get("kind") not in KINDS:
            raise MappingError(f"{path}: activity {name!r} maps to {spec!r}, not to a tower kind "
                               f"(known: {', '.join(KINDS)})")
        if spec.get("lines", "event") not in ("event", "all"):
            raise MappingError(f"{path}: activity {name!r}: lines must be 'event' or 'all'")
        activities[name] = Activity(spec["kind"], spec.get("lines", "event"), dict(spec.get("attributes") or {}))
    promise = doc.get("promise", "instant")
    if promise not in ("date", "instant"):
        raise MappingError(f"{path}: promise must be 'date' or 'instant', got {promise!r}")
    return Mapping(name=doc.get("name") or Path(path).stem, order_prefix=str(doc.get("order_prefix") or ""),
                   zone=zone, warehouse=doc.get("warehouse"), promise=promise, objects=dict(objects),
                   activities=activities)


def default_for(path: Path) -> Path | None:
    """The mapping that ships with tower for a known public log, by file name."""
    return DEFAULTS.get(Path(path).stem)
