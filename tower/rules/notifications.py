"""Who hears about what: the `notifications` section of the policy, parsed and applied (pure).

    notifications:
      group_seconds: 120          # storm control: one message per recipient per window
      webhook_max_events: 100     # a webhook message carries at most this many events
      rules:                      # every matching rule adds its recipients
        - name: escalations
          when: [escalated]       # raised | escalated | breached | resolved (not `on`: YAML reads it as true)
          tiers: [1, 2]           # escalated only: 1 = team lead, 2 = manager (default both)
          teams: [billing]        # filters; each absent = any
          kinds: [stage_overdue]
          severities: [high, critical]
          warehouses: [DAL-1]
          value: {min: 1000, below: 50000}   # value at risk in [min, below)
          email: [team, ops@example.com]     # `team` = the exception team's `email` (teams list)
          webhook: [ops]                     # endpoint names; URL and secret are settings
      quiet_hours:                # per team: held until the end, then sent as one message
        collections: {from: "19:00", to: "07:00", tz: America/Chicago, except_severities: [critical]}
      suppress:                   # per team: events inside a window are not sent at all
        integrations: [{from: 2026-12-24T18:00:00-06:00, to: 2026-12-26T06:00:00-06:00,
                        reason: holiday freeze, kinds: [integration_incident]}]
      digest: {teams: all, email: [team], webhook: [], top: 5}   # daily, at TOWER_DIGEST_TIME

`parse(doc, team_ids=, teams=, default_tz=)` validates the section (PolicyError-style
ValueError naming the field); `route(event, notifications, now=)` says which recipients an
event goes to, when it may be sent at the earliest, and why anything was left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any, Mapping, Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

EVENT_KINDS = ("raised", "escalated", "breached", "resolved")
CHANNELS = ("email", "webhook")
TEAM_ADDRESS = "team"
_SEVERITIES = ("low", "medium", "high", "critical")


class NotificationPolicyError(ValueError):
    """The notifications section is invalid; the message names the field."""


@dataclass(frozen=True)
class Rule:
    name: str
    on: frozenset[str]
    tiers: frozenset[int] | None = None
    teams: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    severities: frozenset[str] | None = None
    warehouses: frozenset[str] | None = None
    value_min: float | None = None
    value_below: float | None = None
    email: tuple[str, ...] = ()
    webhook: tuple[str, ...] = ()

    def matches(self, event: "Event") -> bool:
        def within(allowed: frozenset | None, value: Any) -> bool:
            return allowed is None or value in allowed
        return (event.kind in self.on
                and (event.kind != "escalated" or within(self.tiers, event.tier))
                and within(self.teams, event.team) and within(self.kinds, event.exception_kind)
                and within(self.severities, event.severity) and within(self.warehouses, event.warehouse)
                and (self.value_min is None or event.value >= self.value_min)
                and (self.value_below is None or event.value < self.value_below))


@dataclass(frozen=True)
class QuietHours:
    start: time
    end: time
    tz: ZoneInfo
    except_severities: frozenset[str] = frozenset()

    def release(self, now: datetime, severity: str) -> datetime | None:
        """The end of the quiet period `now` lies in (when held messages go), or None."""
        if severity in self.except_severities:
            return None
        local = now.astimezone(self.tz)
        t = local.time()
        overnight = self.start > self.end
        inside = (t >= self.start or t < self.end) if overnight else (self.start <= t < self.end)
        if not inside:
            return None
        day = local.date() + timedelta(days=1) if overnight and t >= self.start else local.date()
        # Built from the wall time in the zone, so a DST change that night is handled by zoneinfo.
        return datetime.combine(day, self.end, tzinfo=self.tz)


@dataclass(frozen=True)
class Suppression:
    start: datetime
    end: datetime
    reason: str
    kinds: frozenset[str] | None = None

    def covers(self, now: datetime, exception_kind: str) -> bool:
        return self.start <= now < self.end and (self.kinds is None or exception_kind in self.kinds)


@dataclass(frozen=True)
class DigestSpec:
    teams: frozenset[str] | None   # None: every team
    email: tuple[str, ...] = ()
    webhook: tuple[str, ...] = ()
    top: int = 5


@dataclass(frozen=True)
class Notifications:
    rules: tuple[Rule, ...] = ()
    group_seconds: float = 120.0
    webhook_max_events: int = 100
    quiet_hours: Mapping[str, QuietHours] = field(default_factory=dict)
    suppress: Mapping[str, tuple[Suppression, ...]] = field(default_factory=dict)
    digest: DigestSpec | None = None
    team_emails: Mapping[str, str] = field(default_factory=dict)

    @property
    def endpoints(self) -> frozenset[str]:
        """Every webhook endpoint the policy names (each needs a URL in the settings)."""
        names = {n for r in self.rules for n in r.webhook}
        return frozenset(names | set(self.digest.webhook if self.digest else ()))

    def addresses(self, wanted: Sequence[str], team: str | None) -> tuple[list[str], list[str]]:
        """E-mail targets for `wanted` (with `team` resolved) and what could not be resolved."""
        out, missing = [], []
        for item in wanted:
            if item == TEAM_ADDRESS:
                address = self.team_emails.get(team or "")
                (out.append(address) if address else missing.append(f"team {team} has no e-mail"))
            else:
                out.append(item)
        return out, missing


@dataclass(frozen=True)
class Event:
    """One exception event as routing sees it (from notification_events.facts)."""

    kind: str
    tier: int | None
    team: str | None
    exception_kind: str
    severity: str
    warehouse: str | None
    value: float


@dataclass(frozen=True)
class Route:
    rule: str
    channel: str
    target: str
    earliest_at: datetime   # not before: the end of the team's quiet hours, or now


@dataclass
class Routing:
    routes: list[Route]
    notes: list[str]        # in words: suppressed, held, no rule, unresolved addresses

    def outcome(self) -> str:
        sent = f"{len(self.routes)} recipient(s)" if self.routes else "no recipient"
        return "; ".join([sent, *self.notes])


def route(event: Event, notifications: Notifications, *, now: datetime) -> Routing:
    """Recipients of `event` under the policy at `now` (deduplicated by channel and target)."""
    team = event.team or ""
    for window in notifications.suppress.get(team, ()):
        if window.covers(now, event.exception_kind):
            return Routing([], [f"suppressed for team {team}: {window.reason}"])
    quiet = notifications.quiet_hours.get(team)
    release = quiet.release(now, event.severity) if quiet else None
    earliest = release or now
    notes = [f"held by {team}'s quiet hours until {release.isoformat()}"] if release else []
    seen: set[tuple[str, str]] = set()
    routes: list[Route] = []
    for rule in notifications.rules:
        if not rule.matches(event):
            continue
        emails, missing = notifications.addresses(rule.email, event.team)
        notes.extend(m for m in missing if m not in notes)
        for channel, targets in (("email", emails), ("webhook", list(rule.webhook))):
            for target in targets:
                if (channel, target) not in seen:
                    seen.add((channel, target))
                    routes.append(Route(rule.name, channel, target, earliest))
    if not routes and not any(r.matches(event) for r in notifications.rules):
        notes.append("no rule matches")
    return Routing(routes, notes)


# --- parsing -------------------------------------------------------------------------------

def _names(value: Any, where: str, allowed: Sequence[str] | set[str] | None = None) -> frozenset[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
        raise NotificationPolicyError(f"{where} must be a list")
    names = frozenset(str(v) for v in value)
    if allowed is not None and not names <= set(allowed):
        bad = ", ".join(sorted(names - set(allowed)))
        raise NotificationPolicyError(f"{where}: unknown {bad} (allowed: {', '.join(sorted(allowed))})")
    return names


def _targets(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise NotificationPolicyError(f"{where} must be a list of names")
    for v in value:
        if where.endswith(".email") and v != TEAM_ADDRESS and "@" not in v:
            raise NotificationPolicyError(f"{where}: {v!r} is neither `team` nor an e-mail address")
    return tuple(v.strip() for v in value)


def _clock_time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise NotificationPolicyError(f"{where} must be a time like \"19:00\", got {value!r}") from None


def _zone(value: Any, where: str) -> ZoneInfo:
    try:
        return ZoneInfo(str(value))
    except (ZoneInfoNotFoundError, ValueError):
        raise NotificationPolicyError(f"{where}: {value!r} is not a time zone") from None


def _instant(value: Any, where: str) -> datetime:
    try:
        at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    except ValueError:
        raise NotificationPolicyError(f"{where} must be an ISO time with its offset, got {value!r}") from None
    if at.tzinfo is None:
        raise NotificationPolicyError(f"{where} needs an offset or Z ({value!r})")
    return at


def _rule(spec: Any, i: int, team_ids: set[str], kinds: Sequence[str]) -> Rule:
    where = f"notifications.rules[{i}]"
    if not isinstance(spec, dict):
        raise NotificationPolicyError(f"{where} must be a mapping")
    known = {"name", "when", "tiers", "teams", "kinds", "severities", "warehouses", "value", "email", "webhook"}
    if set(spec) - known:
        raise NotificationPolicyError(f"{where}: unknown key(s) {', '.join(sorted(map(str, set(spec) - known)))}")
    on = _names(spec.get("when"), f"{where}.when", EVENT_KINDS)
    if not on:
        raise NotificationPolicyError(f"{where}.when must name one or more of {', '.join(EVENT_KINDS)}")
    tiers = spec.get("tiers")
    if tiers is not None and (not isinstance(tiers, list) or not set(tiers) <= {1, 2}):
        raise NotificationPolicyError(f"{where}.tiers must be a list of 1 (team lead) and 2 (manager)")
    value = spec.get("value") or {}
    if not isinstance(value, dict) or set(value) - {"min", "below"}:
        raise NotificationPolicyError(f"{where}.value must be {{min: N, below: N}}")
    email, webhook = _targets(spec.get("email"), f"{where}.email"), _targets(spec.get("webhook"), f"{where}.webhook")
    if not email and not webhook:
        raise NotificationPolicyError(f"{where} sends to nobody: give email and/or webhook")
    return Rule(name=str(spec.get("name") or f"rule {i + 1}"), on=on,
                tiers=frozenset(tiers) if tiers is not None else None,
                teams=_names(spec.get("teams"), f"{where}.teams", team_ids),
                kinds=_names(spec.get("kinds"), f"{where}.kinds", kinds),
                severities=_names(spec.get("severities"), f"{where}.severities", _SEVERITIES),
                warehouses=_names(spec.get("warehouses"), f"{where}.warehouses"),
                value_min=float(value["min"]) if "min" in value else None,
                value_below=float(value["below"]) if "below" in value else None,
                email=email, webhook=webhook)


def _per_team(doc: dict, key: str, team_ids: set[str]) -> dict[str, Any]:
    section = doc.get(key) or {}
    if not isinstance(section, dict):
        raise NotificationPolicyError(f"notifications.{key} must be a mapping of team -> settings")
    unknown = set(section) - team_ids
    if unknown:
        raise NotificationPolicyError(f"notifications.{key}: {', '.join(sorted(unknown))} is not a team listed under teams")
    return section


def parse(doc: Any, *, team_ids: set[str], teams: Sequence[Mapping[str, Any]], default_tz: str,
          kinds: Sequence[str]) -> Notifications:
    """The validated section (an absent section: no rules, nothing sent)."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise NotificationPolicyError("notifications must be a mapping")
    rules = doc.get("rules") or []
    if not isinstance(rules, list):
        raise NotificationPolicyError("notifications.rules must be a list")
    quiet = {}
    for team, spec in _per_team(doc, "quiet_hours", team_ids).items():
        where = f"notifications.quiet_hours.{team}"
        if not isinstance(spec, dict) or not {"from", "to"} <= set(spec):
            raise NotificationPolicyError(f"{where} must be {{from: \"19:00\", to: \"07:00\"}}")
        quiet[team] = QuietHours(_clock_time(spec["from"], f"{where}.from"), _clock_time(spec["to"], f"{where}.to"),
                                 _zone(spec.get("tz", default_tz), f"{where}.tz"),
                                 _names(spec.get("except_severities"), f"{where}.except_severities", _SEVERITIES) or frozenset())
    suppress = {}
    for team, windows in _per_team(doc, "suppress", team_ids).items():
        where = f"notifications.suppress.{team}"
        if not isinstance(windows, list):
            raise NotificationPolicyError(f"{where} must be a list of {{from, to, reason}}")
        parsed = []
        for j, w in enumerate(windows):
            if not isinstance(w, dict) or not {"from", "to"} <= set(w):
                raise NotificationPolicyError(f"{where}[{j}] needs from and to")
            start, end = _instant(w["from"], f"{where}[{j}].from"), _instant(w["to"], f"{where}[{j}].to")
            if end <= start:
                raise NotificationPolicyError(f"{where}[{j}]: to must be after from")
            parsed.append(Suppression(start, end, str(w.get("reason") or "suppression window"),
                                      _names(w.get("kinds"), f"{where}[{j}].kinds", kinds)))
        suppress[team] = tuple(parsed)
    digest = None
    if doc.get("digest") is not None:
        d = doc["digest"]
        if not isinstance(d, dict):
            raise NotificationPolicyError("notifications.digest must be a mapping")
        digest_teams = None if d.get("teams", "all") == "all" else _names(d.get("teams"), "notifications.digest.teams", team_ids)
        digest = DigestSpec(digest_teams, _targets(d.get("email"), "notifications.digest.email"),
                            _targets(d.get("webhook"), "notifications.digest.webhook"), int(d.get("top", 5)))
        if not digest.email and not digest.webhook:
            raise NotificationPolicyError("notifications.digest sends to nobody: give email and/or webhook")
    group = float(doc.get("group_seconds", 120))
    cap = int(doc.get("webhook_max_events", 100))
    if not 0 <= group <= 86400 or not 1 <= cap <= 10000:
        raise NotificationPolicyError("notifications.group_seconds must be 0..86400 and webhook_max_events 1..10000")
    return Notifications(
        rules=tuple(_rule(r, i, team_ids, kinds) for i, r in enumerate(rules)), group_seconds=group,
        webhook_max_events=cap, quiet_hours=quiet, suppress=suppress, digest=digest,
        team_emails={t["id"]: t["email"] for t in teams if t.get("email")})
