"""Per-source setting: is a source's promise a date (kept by anything on that day, in the
warehouse's zone) or an instant (kept up to that moment)?

The importers read it when they turn a source's promise into `promised_at`; a mapping file
(`promise: date|instant`) overrides it for an OCEL import.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

# dataset -> (promise kind, the zone of its warehouse)
PROMISES: dict[str, tuple[str, str]] = {
    "olist": ("date", "America/Sao_Paulo"),   # order_estimated_delivery_date is always 00:00:00
    "northwind": ("date", "UTC"),             # RequiredDate is a date; the file names no zone
    "scms": ("date", "UTC"),                  # Scheduled Delivery Date is a date; no zone given
    "vbfa": ("instant", "UTC"),               # VBFA holds no promise at all
    "ocel": ("instant", "UTC"),
}


def promise_kind(dataset: str) -> str:
    return PROMISES[dataset][0]


def zone(dataset: str) -> ZoneInfo:
    return ZoneInfo(PROMISES[dataset][1])
