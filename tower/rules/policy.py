"""The flow model: load `policy.yaml`, validate it with plain errors, and resolve it per order.

`load(path=None)` returns a `Policy` or raises `PolicyError` naming the field at fault. The
policy's `version` is `<version in the file>+<first 8 hex of the file's sha256>`, so an edit
that forgets to bump the version still yields a different recorded version.

`policy.resolve(region=, warehouse=, customer_tier=)` returns the `Effective` policy for one
order: overrides applied least specific first, so the most specific wins (a warehouse match
weighs 4, a customer tier 2, a region 1; the sum decides, file order breaks ties).
"""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from tower.rules.calendar import Calendar, parse_calendar
from tower.rules.decision_rights import (
    DecisionRightsError,
    FlagRights,
    RiskModelSettings,
    parse_model_settings,
    parse_rights,
)
from tower.rules.flow_model import FlowModel, FlowModelError
from tower.rules.flow_model import parse as parse_flow_model
from tower.rules.notifications import NotificationPolicyError, Notifications
from tower.rules.notifications import parse as parse_notifications

BUILTIN = Path(__file__).with_name("policy.yaml")
ORDER_STAGES = ("entered", "validated", "released", "picked", "packed", "shipped", "delivered",
                "invoiced")
RETURN_STAGES = ("requested", "received")
HOLDS = ("credit_hold", "backorder")
EXCEPTION_KINDS = (
    "stock_shortage", "credit_hold_aging", "pricing_discrepancy", "stage_overdue", "queue_aging",
    "carrier_delay", "no_carrier_scan", "delivery_failed", "partial_not_billed",
    "delivered_not_invoiced", "invoice_qty_mismatch", "invoice_price_mismatch",
    "payment_overdue", "return_not_credited", "cancelled_still_picking", "integration_incident",
    "milestones_out_of_order", "order_without_lines",
    # Raised by the SLA-miss risk model (tower/risk) where its decision rights allow, not by a rule.
    "sla_miss_risk",
    # Raised by the invoice discrepancy check (tower/risk/invoices.py) where its rights allow.
    "invoice_discrepancy",
)
SEVERITIES = ("low", "medium", "high", "critical")
SOURCES = ("erp", "wms", "carrier", "finance")
_WEIGHT = {"warehouse": 4, "customer_tier": 2, "region": 1}
# Team placeholders resolved per order: the order's warehouse team, or the stage's owner.
TEAM_PLACEHOLDERS = ("warehouse", "stage")


PAST_EXCEPTIONS = ("record", "skip")


class PolicyError(ValueError):
    """The policy file is invalid; the message names the file, the field and the fix."""


@dataclass(frozen=True)
class Override:
    match: tuple[tuple[str, str], ...]
    set: tuple[tuple[str, Any], ...]
    weight: int
    position: int


@dataclass(frozen=True)
class Effective:
    """The policy for one (region, warehouse, customer tier): plain dicts after overrides."""

    version: str
    warehouse: str | None
    warehouse_calendar: Calendar
    office_calendar: Calendar
    warehouse_team: str
    stages: dict[str, dict[str, Any]]
    returns: dict[str, dict[str, Any]]
    holds: dict[str, dict[str, Any]]
    exceptions: dict[str, dict[str, Any]]
    escalation: dict[str, float]
    applied: tuple[str, ...]  # the overrides that shaped this view, least specific first

    def calendar_for(self, spec: dict[str, Any]) -> Calendar:
        return self.warehouse_calendar if spec.get("calendar") == "warehouse" else self.office_calendar

    def systems_that_end(self, rule: str, spec: dict[str, Any]) -> list[str]:
        """The systems whose facts can move an order off the step `rule` ("stage.shipped"):
        the step's own system first, then those of the stages after it. An order's stage is
        the furthest it has reached, so an invoice from finance ends "waiting on carrier
        delivery" as surely as the delivery scan does: while finance reads a backlog, the step's
        clock cannot be judged (tower.rules.engine). A hold ends by its own system's facts only."""
        kind, _, name = rule.partition(".")
        chain = {"stage": (ORDER_STAGES, self.stages), "return": (RETURN_STAGES, self.returns)}.get(kind)
        systems = [spec["system"]]
        if chain is not None and name in chain[0]:
            names, specs = chain
            for later in names[names.index(name) + 1:]:
                system = specs.get(later, {}).get("system")
                if system and system not in systems:
                    systems.append(system)
        return systems

    def team(self, name: str, stage_team: str | None = None) -> str:
        if name == "warehouse":
            return self.warehouse_team
        if name == "stage":
            return stage_team or "order-desk"
        return name


@dataclass
class Policy:
    version: str
    calendars: dict[str, Calendar]
    default_calendar: str
    warehouses: dict[str, dict[str, Any]]
    systems_of_record: dict[str, list[str]]
    freshness_minutes: dict[str, float]
    teams: list[dict[str, str]]
    escalation: dict[str, float]
    stages: dict[str, dict[str, Any]]
    returns: dict[str, dict[str, Any]]
    holds: dict[str, dict[str, Any]]
    exceptions: dict[str, dict[str, Any]]
    overrides: list[Override]
    source_text: str = field(repr=False, default="")
    # What to do with an exception whose whole life lies in the past (found in a backfill, an
    # import or a backlog): "record" it as history with its true times, or "skip" it.
    past_exceptions: str = "record"
    # Who hears about what (tower/rules/notifications.py): rules, quiet hours, digests.
    notifications: Notifications = field(default_factory=Notifications)
    # The expected flow of an order for conformance on /flow (None: the policy has none).
    flow_model: FlowModel | None = None
    # What models may do on their own, per flag kind and score band, and when the risk model
    # trains and scores (tower/rules/decision_rights.py).
    decision_rights: dict[str, FlagRights] = field(default_factory=dict)
    risk_model: RiskModelSettings = field(default_factory=RiskModelSettings)

    def __hash__(self) -> int:  # lets resolve() be cached per policy object
        return id(self)

    def resolve(self, *, region: str | None, warehouse: str | None,
                customer_tier: str | None) -> Effective:
        return _resolve(self, region, warehouse, customer_tier)


@lru_cache(maxsize=4096)
def _resolve(policy: Policy, region: str | None, warehouse: str | None, tier: str | None) -> Effective:
    facts = {"region": region, "warehouse": warehouse, "customer_tier": tier}
    sections = {"stages": copy.deepcopy(policy.stages), "returns": copy.deepcopy(policy.returns),
                "holds": copy.deepcopy(policy.holds), "exceptions": copy.deepcopy(policy.exceptions)}
    applied = []
    for ov in sorted(policy.overrides, key=lambda o: (o.weight, o.position)):
        if all(facts.get(k) == v for k, v in ov.match):
            for path, value in ov.set:
                section, name, key = path.split(".")
                sections[section][name][key] = value
            applied.append(", ".join(f"{k}={v}" for k, v in ov.match))
    wh = policy.warehouses.get(warehouse or "", {})
    return Effective(
        version=policy.version, warehouse=warehouse,
        warehouse_calendar=policy.calendars[wh.get("calendar", policy.default_calendar)],
        office_calendar=policy.calendars[policy.default_calendar],
        warehouse_team=wh.get("team", "warehouse-ops"),
        escalation=dict(policy.escalation), applied=tuple(applied), **sections)


def _need(doc: dict, key: str, kind: type | tuple[type, ...], where: str) -> Any:
    if key not in doc:
        raise PolicyError(f"{where}: '{key}' is missing")
    value = doc[key]
    if not isinstance(value, kind):
        wanted = " or ".join(k.__name__ for k in kind) if isinstance(kind, tuple) else kind.__name__
        raise PolicyError(f"{where}.{key} must be a {wanted}, got {type(value).__name__}")
    return value


def _hours(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise PolicyError(f"{where} must be a number of hours >= 0, got {value!r}")
    return float(value)


def _check_step(name: str, spec: Any, where: str, teams: set[str], calendars: set[str]) -> None:
    if not isinstance(spec, dict):
        raise PolicyError(f"{where}.{name} must be a mapping")
    for key in ("waiting_on", "system", "team"):
        _need(spec, key, str, f"{where}.{name}")
    if spec["system"] not in SOURCES:
        raise PolicyError(f"{where}.{name}.system must be one of {', '.join(SOURCES)}, got {spec['system']!r}")
    if spec["team"] not in teams and spec["team"] not in TEAM_PLACEHOLDERS:
        raise PolicyError(f"{where}.{name}.team {spec['team']!r} is not a team listed under teams")
    spec["sla_hours"] = _hours(spec.get("sla_hours"), f"{where}.{name}.sla_hours")
    cal = spec.get("calendar", "office")
    if cal != "warehouse" and cal not in calendars:
        raise PolicyError(f"{where}.{name}.calendar {cal!r} is not a calendar (or 'warehouse')")
    if spec.get("clock", "business") not in ("business", "wall"):
        raise PolicyError(f"{where}.{name}.clock must be 'business' or 'wall'")
    kind = spec.get("breach_kind", "stage_overdue")
    if kind != "none" and kind not in EXCEPTION_KINDS:
        raise PolicyError(f"{where}.{name}.breach_kind {kind!r} is not an exception kind")


def _parse_overrides(raw: Any, doc: dict) -> list[Override]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise PolicyError("overrides must be a list")
    result = []
    for i, item in enumerate(raw):
        where = f"overrides[{i}]"
        match = _need(item if isinstance(item, dict) else {}, "match", dict, where)
        values = _need(item, "set", dict, where)
        if not match or any(k not in _WEIGHT for k in match):
            raise PolicyError(f"{where}.match keys must be among {', '.join(_WEIGHT)}, got {list(match)}")
        for path, value in values.items():
            parts = str(path).split(".")
            if (len(parts) != 3 or parts[0] not in ("stages", "returns", "holds", "exceptions")
                    or parts[1] not in doc[parts[0]] or parts[2] == "team"):
                raise PolicyError(f"{where}.set: {path!r} does not name a stage, hold or exception field")
            _hours(value, f"{where}.set.{path}")
        result.append(Override(tuple(sorted((k, str(v)) for k, v in match.items())),
                               tuple(values.items()), sum(_WEIGHT[k] for k in match), i))
    return result


def parse(text: str, origin: str = "policy") -> Policy:
    """A validated Policy from YAML text; PolicyError (prefixed with `origin`) otherwise."""
    try:
        return _parse(text)
    except PolicyError as exc:
        raise PolicyError(f"{origin}: {exc}") from None


def _parse(text: str) -> Policy:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise PolicyError(f"not valid YAML: {exc}") from None
    if not isinstance(doc, dict):
        raise PolicyError("the policy must be a mapping at the top level")
    version = str(_need(doc, "version", (str, int, float), "policy"))
    calendars = {}
    for name, spec in _need(doc, "calendars", dict, "policy").items():
        try:
            calendars[name] = parse_calendar(name, spec if isinstance(spec, dict) else {})
        except ValueError as exc:
            raise PolicyError(str(exc)) from None
    default_cal = _need(doc, "default_calendar", str, "policy")
    if default_cal not in calendars:
        raise PolicyError(f"default_calendar {default_cal!r} is not one of the calendars")
    teams = _need(doc, "teams", list, "policy")
    team_ids = set()
    for i, team in enumerate(teams):
        tid = _need(team if isinstance(team, dict) else {}, "id", str, f"teams[{i}]")
        if tid in team_ids:
            raise PolicyError(f"teams[{i}]: team {tid!r} is listed twice")
        team_ids.add(tid)
    if "warehouse-ops" not in team_ids:
        raise PolicyError("teams must include 'warehouse-ops' (owner for unknown warehouses)")
    warehouses = doc.get("warehouses") or {}
    for code, spec in warehouses.items():
        if spec.get("calendar", default_cal) not in calendars:
            raise PolicyError(f"warehouses.{code}.calendar {spec.get('calendar')!r} is not a calendar")
        if spec.get("team", "warehouse-ops") not in team_ids:
            raise PolicyError(f"warehouses.{code}.team {spec.get('team')!r} is not a team listed under teams")
    sor = _need(doc, "systems_of_record", dict, "policy")
    if set(sor) != set(SOURCES):
        raise PolicyError(f"systems_of_record must name exactly {', '.join(SOURCES)}")
    fresh = _need(doc, "freshness_minutes", dict, "policy")
    for src in SOURCES:
        fresh[src] = _hours(fresh.get(src), f"freshness_minutes.{src}")
    esc = _need(doc, "escalation", dict, "policy")
    for key in ("at_risk", "lead", "manager"):
        esc[key] = _hours(esc.get(key), f"escalation.{key}")
    if not 0 < esc["at_risk"] < esc["lead"] <= esc["manager"]:
        raise PolicyError("escalation must satisfy 0 < at_risk < lead <= manager")
    sections = {}
    for section, names in (("stages", ORDER_STAGES), ("returns", RETURN_STAGES), ("holds", HOLDS)):
        specs = _need(doc, section, dict, "policy")
        missing = [n for n in names if n not in specs]
        if missing:
            raise PolicyError(f"{section} is missing {', '.join(missing)}")
        for name in names:
            _check_step(name, specs[name], section, team_ids, set(calendars))
        sections[section] = specs
    exception_specs = _need(doc, "exceptions", dict, "policy")
    for kind in EXCEPTION_KINDS:
        where = f"exceptions.{kind}"
        spec = exception_specs.get(kind)
        if not isinstance(spec, dict):
            raise PolicyError(f"{where} is missing (every kind of the pack needs an entry)")
        if spec.get("severity") not in SEVERITIES:
            raise PolicyError(f"{where}.severity must be one of {', '.join(SEVERITIES)}")
        team = spec.get("team")
        if team not in team_ids and team not in TEAM_PLACEHOLDERS:
            raise PolicyError(f"{where}.team {team!r} is not a team listed under teams")
        spec["sla_hours"] = _hours(spec.get("sla_hours"), f"{where}.sla_hours")
        deps = spec.setdefault("depends_on", [])
        if not isinstance(deps, list) or any(d not in SOURCES for d in deps):
            raise PolicyError(f"{where}.depends_on must be a list of {', '.join(SOURCES)}")
    unknown = set(exception_specs) - set(EXCEPTION_KINDS)
    if unknown:
        raise PolicyError(f"exceptions: unknown kind(s) {', '.join(sorted(unknown))}")
    catch_up = doc.get("catch_up") or {}
    if not isinstance(catch_up, dict):
        raise PolicyError("catch_up must be a mapping (past_exceptions: record | skip)")
    past = catch_up.get("past_exceptions", "record")
    if past not in PAST_EXCEPTIONS:
        raise PolicyError(f"catch_up.past_exceptions must be one of {', '.join(PAST_EXCEPTIONS)}, not {past!r}")
    try:
        notifications = parse_notifications(
            doc.get("notifications"), team_ids=team_ids, teams=teams,
            default_tz=str(calendars[default_cal].tz), kinds=EXCEPTION_KINDS)
    except NotificationPolicyError as exc:
        raise PolicyError(str(exc)) from None
    try:
        flow_model = parse_flow_model(doc["flow_model"]) if doc.get("flow_model") is not None else None
    except FlowModelError as exc:
        raise PolicyError(str(exc)) from None
    try:
        rights = parse_rights(doc.get("decision_rights"))
        risk_model = parse_model_settings(doc.get("risk_model"))
    except DecisionRightsError as exc:
        raise PolicyError(str(exc)) from None
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return Policy(past_exceptions=past, notifications=notifications, flow_model=flow_model,
                  decision_rights=rights, risk_model=risk_model,
        version=f"{version}+{digest}", calendars=calendars, default_calendar=default_cal,
        warehouses=warehouses, systems_of_record=sor, freshness_minutes=fresh, teams=teams,
        escalation=esc, overrides=_parse_overrides(doc.get("overrides"), doc),
        exceptions=exception_specs, source_text=text, **sections)


def load(path: Path | str | None = None) -> Policy:
    """The policy at `path` (default: the built-in policy.yaml beside this module)."""
    target = Path(path) if path else BUILTIN
    try:
        text = target.read_text()
    except OSError as exc:
        raise PolicyError(f"cannot read the policy file {target}: {exc.strerror}") from None
    return parse(text, str(target))


@lru_cache(maxsize=8)
def cached(path: str | None = None) -> Policy:
    """The policy loaded once per process (per path)."""
    return load(path)
