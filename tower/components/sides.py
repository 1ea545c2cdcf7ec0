"""What each system says about a mismatch, side by side ("ERP says 10, WMS shipped 8"), and
the flow-model version that decided — for the order page and the exception detail.

The rules put the sides in an exception's detail (tower.rules.context.side: system, says, at).
"""

from __future__ import annotations

from typing import Any, Mapping

import pandas as pd

from tower.components.timefmt import fmt

SYSTEM_NAMES = {"erp": "ERP", "wms": "WMS", "carrier": "Carrier", "finance": "Finance",
                "erp order": "ERP order", "erp price list": "ERP price list"}


def sides(detail: Mapping[str, Any] | None, *, tz: str) -> list[str]:
    """One sentence per system: 'WMS says: shipped 8 on line 1 (27 Nov 2026 04:31 CST)'."""
    out = []
    for s in (detail or {}).get("sides") or []:
        if not isinstance(s, Mapping) or not s.get("system"):
            continue
        name = SYSTEM_NAMES.get(s["system"], str(s["system"]).upper())
        when = f" ({fmt(pd.Timestamp(s['at']), tz)})" if s.get("at") else ""
        out.append(f"{name} says: {s.get('says') or '—'}{when}")
    return out


def sides_text(detail: Mapping[str, Any] | None, *, tz: str) -> str:
    """The sides on one line, or '—' when the exception compares nothing."""
    return " · ".join(sides(detail, tz=tz)) or "—"


def decided_by(policy_version: str | None, origin: str | None = None) -> str:
    """Who decided: the flow model's version, and whether this is a live alert or history."""
    what = ("Recorded as history (it opened and closed before tower saw the facts)"
            if origin == "history" else "Raised by the rules")
    return what + (f" under flow model {policy_version}" if policy_version else "")
