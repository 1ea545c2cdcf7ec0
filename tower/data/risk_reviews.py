"""Precision judged by people, per flag kind and model (or check) version: the one read behind
/risk's review figures and GET /api/v1/risk/reviews.

`by_version(conn=, scope=)`: one row per (kind, model_version), newest version first within a
kind (SLA-miss risk first, then invoice discrepancy), at most PER_KIND versions of a kind:

    kind (str: sla_miss_risk | invoice_discrepancy), model_version (str), version_status
    (in_service, retired, rejected, candidate; 'unknown' for a version with no risk_models row),
    trained_at (UTC, None if unknown), raised, open, expired, accepted, dismissed, reviewed
    (= accepted + dismissed) (int), accepted_by_reason, dismissed_by_reason (dict reason -> int),
    precision (accepted / reviewed, float, None when nothing was reviewed), precision_low,
    precision_high (its 95% Wilson interval, None likewise).

Counts are of flags of orders in `scope`. A flag counts under the version it names now (an
upgraded flag names the version that last scored it, which is what its reviewer saw).
PEOPLE_PRECISION is the figure's definition, shown beside it.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import pandas as pd
from sqlalchemy.engine import Connection

from tower.data.scope import Scope
from tower.sqlfiles import load

Q = load(__file__, "risk_reviews.sql")
PER_KIND = 50
Z95 = 1.959964


@dataclass(frozen=True)
class Definition:
    name: str
    definition: str
    formula: str
    denominator: str
    exclusions: str

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


PEOPLE_PRECISION = Definition(
    name="Precision judged by people",
    definition="Of the flags a person judged on /review, the share they accepted as right: the order was going "
               "to miss its promise (SLA-miss risk), the invoice was wrong (invoice discrepancy).",
    formula="accepted / (accepted + dismissed), per flag kind and model or check version; with its 95% "
            "Wilson interval",
    denominator="Flags of that kind and version that a person accepted or dismissed (n, the sample size), "
                "for orders in your warehouses",
    exclusions="Flags still open (not judged yet) and flags that expired before anyone judged them (the order "
               "was delivered or cancelled, the invoice was corrected): counted beside the figure, never in it. "
               "Flags of orders outside your warehouses.",
)

COLUMNS = ["kind", "model_version", "version_status", "trained_at", "raised", "open", "expired", "accepted",
           "dismissed", "reviewed", "accepted_by_reason", "dismissed_by_reason", "precision", "precision_low",
           "precision_high"]


def wilson(successes: int, n: int, z: float = Z95) -> tuple[float, float] | tuple[None, None]:
    """The Wilson score interval of a proportion (sound at small n and at 0% or 100%)."""
    if n <= 0:
        return None, None
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def by_version(*, conn: Connection, scope: Scope, per_kind: int = PER_KIND) -> pd.DataFrame:
    """People's verdicts per flag kind and version (see the module doc for the contract)."""
    rows = [dict(r) for r in conn.execute(Q["by_version"], {"warehouses": scope.param(),
                                                            "per_kind": int(per_kind)}).mappings()]
    for r in rows:
        r.pop("nth", None)
        r["accepted_by_reason"] = {k: int(v) for k, v in (r["accepted_by_reason"] or {}).items()}
        r["dismissed_by_reason"] = {k: int(v) for k, v in (r["dismissed_by_reason"] or {}).items()}
        r["reviewed"] = int(r["accepted"]) + int(r["dismissed"])
        r["precision"] = r["accepted"] / r["reviewed"] if r["reviewed"] else None
        r["precision_low"], r["precision_high"] = wilson(int(r["accepted"]), r["reviewed"])
    frame = pd.DataFrame(rows, columns=COLUMNS)
    for column in ("raised", "open", "expired", "accepted", "dismissed", "reviewed"):
        frame[column] = frame[column].astype("int64")
    return frame
