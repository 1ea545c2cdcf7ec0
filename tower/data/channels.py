"""How a milestone reached tower, in words for a timeline: "via EDI 856 from partner acme-3pl",
"via carrier webhook (easypost)", "via API (pushed by admin)", "via ERP poll", "via import".

What the store records about a milestone's origin: its `source` (the system it speaks for:
erp, wms, carrier, finance, import, or a pusher's own name) and, for the pushed ways in, its
attrs — `via: edi` with `partner` and `edi` ("X12 856 <interchange>/<group>/<transaction>") from
collectors/edi, `via: webhook` with `provider` from collectors/carrier_webhooks, `via: api` with
`pushed_by` from tower/data/intake.py. Anything else came from a collector's poll of its
source. Pure: no I/O.
"""

from __future__ import annotations

from typing import Any, Mapping

POLLED = {"erp": "ERP", "wms": "WMS", "carrier": "carrier", "finance": "finance"}


def _text(attrs: Mapping[str, Any], key: str) -> str | None:
    value = attrs.get(key)
    return value.strip() or None if isinstance(value, str) else None


def channel(source: str, attrs: Mapping[str, Any] | None) -> str:
    """The way in of one milestone, in words (see the module's docstring)."""
    attrs = attrs if isinstance(attrs, Mapping) else {}
    via = _text(attrs, "via")
    if via == "edi":
        parts = (_text(attrs, "edi") or "").split()
        what = f"EDI {parts[1]}" if len(parts) >= 2 else "EDI"
        partner = _text(attrs, "partner")
        return f"via {what}" + (f" from partner {partner}" if partner else "")
    if via == "webhook":
        provider = _text(attrs, "provider")
        return "via carrier webhook" + (f" ({provider})" if provider else "")
    if via == "api":
        by = _text(attrs, "pushed_by")
        return "via API" + (f" (pushed by {by})" if by else "")
    if source == "import":
        dataset = _text(attrs, "dataset")
        return "via import" + (f" ({dataset})" if dataset else "")
    if source in POLLED:
        return f"via {POLLED[source]} poll"
    return f"via {via}" if via else f"from {source}"
