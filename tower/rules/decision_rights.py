"""Decision rights: what a model may do on its own, per flag kind and score band (policy.yaml).

    decision_rights:
      sla_miss_risk:
        threshold: 0.5                    # no flag below the operating threshold
        bands:                            # each from its `from` up to the next band's
          - {name: watch,  from: 0.5, right: recommend}
          - {name: likely, from: 0.7, right: act}
          - {name: near_certain, from: 0.9, right: escalate}
      invoice_discrepancy:                # score: how large an invoice's gap is (tower/risk/invoices.py)
        threshold: 0.5
        bands: [...]

`recommend`: the flag is shown (order page, review queue) and nothing else changes. `act`: the
model may also raise its early-warning exception (`exceptions.<kind>` in the pack) for the
order's team. `escalate`: the exception is raised at `escalate_severity` and the flag waits for
a person's decision. `band_for(score)` returns the band and the rule's name
("decision_rights.sla_miss_risk.bands[1]"), which every automated action records.

`risk_model` holds the training schedule: window_days of history, label_days an order must be
old before its outcome is a label, retrain_hours between trainings, score_minutes between
scorings, lane_days of carrier history behind a lane's lateness.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

FLAG_KINDS = ("sla_miss_risk", "invoice_discrepancy")
RIGHTS = ("recommend", "act", "escalate")


class DecisionRightsError(ValueError):
    """The decision_rights or risk_model section is invalid; the message names the field."""


@dataclass(frozen=True)
class Band:
    name: str
    low: float
    right: str
    rule: str


@dataclass(frozen=True)
class FlagRights:
    kind: str
    threshold: float
    bands: tuple[Band, ...]          # ascending by `low`
    escalate_severity: str = "critical"

    def band_for(self, score: float) -> Band | None:
        """The band `score` falls in, or None below the operating threshold."""
        if score < self.threshold:
            return None
        chosen = None
        for band in self.bands:
            if score >= band.low:
                chosen = band
        return chosen


@dataclass(frozen=True)
class RiskModelSettings:
    window_days: float = 60.0
    label_days: float = 10.0
    retrain_hours: float = 24.0
    score_minutes: float = 5.0
    lane_days: float = 30.0


def _number(value: Any, where: str, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise DecisionRightsError(f"{where} must be a number between {low:g} and {high:g}, got {value!r}")
    return float(value)


def parse_rights(raw: Any) -> dict[str, FlagRights]:
    """The validated decision rights; an absent section gives no rights (no flags at all)."""
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise DecisionRightsError("decision_rights must be a mapping of flag kind to its rights")
    out = {}
    for kind, spec in raw.items():
        where = f"decision_rights.{kind}"
        if kind not in FLAG_KINDS:
            raise DecisionRightsError(f"{where}: unknown flag kind (known: {', '.join(FLAG_KINDS)})")
        if not isinstance(spec, dict):
            raise DecisionRightsError(f"{where} must be a mapping with threshold and bands")
        threshold = _number(spec.get("threshold"), f"{where}.threshold", 0.0, 1.0)
        bands_raw = spec.get("bands")
        if not isinstance(bands_raw, list) or not bands_raw:
            raise DecisionRightsError(f"{where}.bands must be a non-empty list")
        bands = []
        for i, item in enumerate(bands_raw):
            at = f"{where}.bands[{i}]"
            if not isinstance(item, dict):
                raise DecisionRightsError(f"{at} must be a mapping with name, from and right")
            right = item.get("right")
            if right not in RIGHTS:
                raise DecisionRightsError(f"{at}.right must be one of {', '.join(RIGHTS)}, got {right!r}")
            name = item.get("name")
            if not isinstance(name, str) or not name:
                raise DecisionRightsError(f"{at}.name must be a word")
            bands.append(Band(name, _number(item.get("from"), f"{at}.from", 0.0, 1.0), right, at))
        if any(later.low <= earlier.low for earlier, later in zip(bands, bands[1:])):
            raise DecisionRightsError(f"{where}.bands must be in ascending order of `from`")
        if bands[0].low > threshold:
            raise DecisionRightsError(f"{where}: the first band must start at or below the threshold")
        severity = spec.get("escalate_severity", "critical")
        if severity not in ("low", "medium", "high", "critical"):
            raise DecisionRightsError(f"{where}.escalate_severity must be low, medium, high or critical")
        out[kind] = FlagRights(kind, threshold, tuple(bands), severity)
    return out


def parse_model_settings(raw: Any) -> RiskModelSettings:
    if raw is None:
        return RiskModelSettings()
    if not isinstance(raw, dict):
        raise DecisionRightsError("risk_model must be a mapping")
    unknown = set(raw) - set(RiskModelSettings.__dataclass_fields__)
    if unknown:
        raise DecisionRightsError(f"risk_model: unknown key(s) {', '.join(sorted(unknown))}")
    values = {k: _number(v, f"risk_model.{k}", 0.01, 10_000.0) for k, v in raw.items()}
    return RiskModelSettings(**values)
