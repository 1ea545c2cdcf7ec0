"""Fault injection: the switches per system and what each does to a record or a page.

Faults are decided deterministically from hashes of (system, resource, key, version), so the
same run with the same switches corrupts the same records, and the ledger can say which.
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass, fields
from typing import Any, Callable

from tower.sandbox.world import stable_fraction, stable_hash

SYSTEMS = ("erp", "wms", "carrier", "finance")
DEFECTS = ("missing_field", "bad_date", "wrong_type")

# The key field of every endpoint: paging orders by (updated_at, key).
KEYS = {
    ("erp", "sales-orders"): "order_no", ("erp", "returns"): "rma_no",
    ("wms", "tasks"): "task_id", ("wms", "shipments"): "shipment_no",
    ("carrier", "tracking-events"): "event_id",
    ("finance", "invoices"): "invoice_no", ("finance", "payments"): "payment_id",
    ("finance", "credit-notes"): "credit_note_no",
}
RESOURCES = {system: tuple(r for s, r in KEYS if s == system) for system in SYSTEMS}

# What each defect breaks, per endpoint: fields removed; the date field spoilt; a wrong type.
_MISSING = {
    "sales-orders": ("history",), "returns": ("order_no",), "tasks": ("order_ref",),
    "shipments": ("order_ref",), "tracking-events": ("tracking_number", "shipper_reference"),
    "invoices": ("order_ref",), "payments": ("amount",), "credit-notes": ("amount",),
}
_BAD_DATES = ("2026-02-30T25:61:00Z", "11/27/2026 10:00", "yesterday", "2026-11-27 10:00:00")
_DRIFT = {"erp": "order_no", "wms": "order_ref", "carrier": "tracking_number", "finance": "order_ref"}
_DRIFT_TO = {"order_no": "orderNumber", "order_ref": "order_reference",
             "tracking_number": "trackingNumber"}


@dataclass
class Faults:
    """The switches of one system. Zero / None / False means off."""

    outage: str | None = None         # "503" | "refused"
    slow_ms: int = 0
    rate_limit: float | None = None   # requests/s while on (a 429 storm)
    duplicates: float = 0.0
    out_of_order: int = 0             # seconds a held-back version may be late
    malformed: float = 0.0
    drift: bool = False

    def active(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, 0, 0.0, False)}

    def update(self, **changes: Any) -> None:
        names = {f.name for f in fields(self)}
        if changes.pop("clear", False):
            for f in fields(self):
                setattr(self, f.name, f.default)
        for key, value in changes.items():
            if key not in names:
                raise ValueError(f"unknown fault {key!r}; known: {', '.join(sorted(names))}")
            if key == "outage" and value not in (None, "503", "refused"):
                raise ValueError("outage must be '503', 'refused' or null")
            setattr(self, key, value)


_SPEC: dict[str, tuple[str, Any, Callable[[str], Any]]] = {  # CLI name -> (field, default value, converter)
    "outage": ("outage", "503", str), "slow": ("slow_ms", 2000, int),
    "ratelimit": ("rate_limit", 1.0, float), "duplicates": ("duplicates", 0.2, float),
    "out_of_order": ("out_of_order", 120, int), "malformed": ("malformed", 0.1, float),
    "drift": ("drift", True, lambda v: v.lower() not in ("0", "false", "off")),
}


def parse_spec(text: str) -> dict[str, dict[str, Any]]:
    """`erp=outage,wms=duplicates:0.3,all=slow:500` -> {"erp": {"outage": "503"}, ...}.
    `system=clear` switches a system's faults off. ValueError with a plain message otherwise."""
    result: dict[str, dict[str, Any]] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        system, sep, fault = item.partition("=")
        if not sep or not fault:
            raise ValueError(f"fault {item!r} must look like system=name[:value]")
        targets = SYSTEMS if system == "all" else (system,)
        if system != "all" and system not in SYSTEMS:
            raise ValueError(f"unknown system {system!r}; use one of {', '.join(SYSTEMS)} or all")
        name, _, raw = fault.partition(":")
        if name == "clear":
            change: dict[str, Any] = {"clear": True}
        elif name in _SPEC:
            field_name, default, convert = _SPEC[name]
            try:
                change = {field_name: convert(raw) if raw else default}
            except ValueError:
                raise ValueError(f"fault {item!r}: {raw!r} is not a valid value") from None
        else:
            raise ValueError(f"unknown fault {name!r}; known: clear, {', '.join(_SPEC)}")
        for target in targets:
            result.setdefault(target, {}).update(change)
    return result


def defect_for(faults: Faults, system: str, resource: str, key: str, version: int) -> str | None:
    """Whether a version published now is malformed, and how (persistent for that version)."""
    if not faults.malformed:
        return None
    if stable_fraction(system, resource, key, version, "malformed") >= faults.malformed:
        return None
    return DEFECTS[stable_hash(system, resource, key, version, "kind") % len(DEFECTS)]


def out_of_order_delay_ms(faults: Faults, system: str, resource: str, key: str, version: int) -> int:
    """How late (ms) this version is published, 0 for on time; about 30 % are held back."""
    if not faults.out_of_order or stable_fraction(system, resource, key, version, "ooo") >= 0.3:
        return 0
    return int(1000 + stable_fraction(system, key, version, "late") * (faults.out_of_order * 1000 - 1000))


def apply_defect(body: dict[str, Any], resource: str, defect: str, key: str) -> dict[str, Any]:
    """A corrupted copy of `body`; the key field and updated_at stay valid so paging still works."""
    body = copy.deepcopy(body)
    pick = stable_hash(key, defect)
    if defect == "missing_field":
        for name in _MISSING[resource]:
            body.pop(name, None)
    elif defect == "bad_date":
        bad = _BAD_DATES[pick % len(_BAD_DATES)]
        if resource == "sales-orders":
            body["history"][0]["at"] = bad
        else:
            for name in ("occurred_at", "received_at", "issued_at", "shipped_at", "requested_at",
                         "completed_at", "started_at", "created_at"):
                if body.get(name):
                    body[name] = bad
                    break
    elif defect == "wrong_type":
        if resource in ("payments", "credit-notes", "invoices"):
            name = "total" if resource == "invoices" else "amount"
            body[name] = {"value": body.get(name)}
        elif resource == "shipments":
            body["lines"] = "see attached packing list"
        elif resource == "tracking-events":
            body["code"] = [body["code"]]
        else:
            line = body["lines"][0]
            for name in ("qty", "qty_requested", "qty_done"):
                if name in line:
                    line[name] = "twelve"
    return body


def apply_drift(body: dict[str, Any], system: str) -> dict[str, Any]:
    """Schema v2: one field renamed, one added."""
    body = dict(body)
    old = _DRIFT[system]
    if old in body:
        body[_DRIFT_TO[old]] = body.pop(old)
    body["schema_version"] = 2
    return body


def duplicate_rewind(faults: Faults, page_len: int, cursor_seed: str) -> int:
    """How many records the next page repeats from the end of this one (0 = none)."""
    if not faults.duplicates or page_len < 2:
        return 0
    if stable_fraction(cursor_seed, "dup") >= min(1.0, faults.duplicates * 2):
        return 0
    return min(page_len - 1, 1 + stable_hash(cursor_seed, "n") % 3)
