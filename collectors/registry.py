"""Which streams exist, and how to build them against a set of source endpoints.

Endpoints come from `sources.json` in the data dir (written by the sandbox, or by hand for
real systems): {"urls": {"erp": ...}, "tokens": {"erp": ...}}. Settings may override a URL or
token per source (TOWER_<SOURCE>_URL / TOWER_<SOURCE>_TOKEN, read by tower.config into
`settings.extra` when present).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping, Sequence

from collectors import carrier, erp, finance, wms
from collectors.edi import partners, replay
from collectors.http import Endpoint, RetryPolicy, SourceClient
from collectors.stream import Stream

PACKAGES = {"erp": erp, "wms": wms, "carrier": carrier, "finance": finance}
SOURCES = tuple(PACKAGES)
# Sources that are pushed to tower rather than polled (collectors/edi, collectors/carrier_webhooks).
INTAKE_SOURCES = ("edi", "webhooks")


def stream_classes() -> dict[str, type[Stream]]:
    """{"erp/sales_orders": SalesOrders, ...} for every stream of every source."""
    return {f"{cls.source}/{cls.name}": cls for pkg in PACKAGES.values() for cls in pkg.STREAMS}


def resolve_stream(source: str, name: str, *, aliases: Mapping[str, str] | None = None,
                   trading_partners: partners.Registry | None = None) -> Stream | None:
    """A stream instance without a client (enough to map stored payloads, e.g. for replay).
    EDI dead letters map with `trading_partners` (the process's TOWER_EDI_PARTNERS; None: the
    sandbox's partners shipped with tower)."""
    if source in INTAKE_SOURCES:
        return replay.resolve(source, name, trading_partners or partners.load())  # type: ignore[return-value]
    cls = stream_classes().get(f"{source}/{name}")
    return cls(None, aliases=aliases) if cls else None


def sandbox_file(data_dir: Path) -> Path:
    return data_dir / "sandbox" / "sandbox.json"


def endpoints_from_file(path: Path) -> dict[str, Endpoint]:
    """Endpoints from a JSON file with "urls" and "tokens" per source."""
    doc = json.loads(path.read_text())
    urls, tokens = doc.get("urls") or {}, doc.get("tokens") or {}
    return {s: Endpoint(urls[s], tokens.get(s, "")) for s in SOURCES if s in urls}


def endpoints_from_settings(extra: Mapping[str, str]) -> dict[str, Endpoint]:
    found = {}
    for source in SOURCES:
        url = extra.get(f"TOWER_{source.upper()}_URL")
        if url:
            found[source] = Endpoint(url, extra.get(f"TOWER_{source.upper()}_TOKEN", ""))
    return found


def select(names: Sequence[str] | None) -> list[type[Stream]]:
    """Stream classes by "source" or "source/stream" names (all when `names` is empty)."""
    classes = stream_classes()
    if not names:
        return list(classes.values())
    chosen: list[type[Stream]] = []
    for name in names:
        matches = [cls for key, cls in classes.items() if key == name or key.split("/")[0] == name]
        if not matches:
            raise ValueError(f"no stream or source named {name!r}; known: {', '.join(classes)}")
        chosen.extend(cls for cls in matches if cls not in chosen)
    return chosen


def build_streams(endpoints: Mapping[str, Endpoint], names: Sequence[str] | None = None, *,
                  schedule_seconds: float | None = None, page_size: int | None = None,
                  retry: RetryPolicy | None = None, **stream_options: Any) -> list[Stream]:
    """Stream instances, one client per source shared by its streams."""
    clients: dict[str, SourceClient] = {}
    streams = []
    for cls in select(names):
        if cls.source not in endpoints:
            raise ValueError(f"no endpoint for source {cls.source!r}")
        if cls.source not in clients:
            client_cls = PACKAGES[cls.source].Client
            clients[cls.source] = client_cls(endpoints[cls.source], retry=retry)
        streams.append(cls(clients[cls.source], schedule_seconds=schedule_seconds,
                           page_size=page_size, **stream_options))
    return streams


def close_streams(streams: Sequence[Stream]) -> None:
    for client in {id(s.client): s.client for s in streams if s.client is not None}.values():
        client.close()
