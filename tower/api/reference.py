"""/api/v1 queues, teams, KPIs and integrations: the same reads as those pages
(tower.data.queues, .teams, .kpis, .integrations), within the caller's warehouses."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, Field, model_validator

from tower import running
from tower.api import convert
from tower.api.framework import Call, Strict, api
from tower.api.problems import Problem
from tower.data import integrations, kpis, queues, teams
from tower.data.access import reading
from tower.kpis.registry import KPIS


def _models(model: type[BaseModel], frame) -> list[Any]:
    names = model.model_fields
    return [model.model_validate({k: v for k, v in r.items() if k in names}) for r in convert.records(frame)]


class QueueCell(BaseModel):
    warehouse: str
    stage: str
    stage_label: str | None
    depth: int
    oldest_age_seconds: float | None
    b_fresh: int
    b_watch: int
    b_at_risk: int
    b_late: int
    throughput_per_hour: float | None
    critical_hours: float | None
    state: str = Field(description="late, at_risk, ok or empty")
    taken_at: datetime | None


class Queues(BaseModel):
    items: list[QueueCell]
    next_cursor: str | None = Field(description="always null: the whole matrix is one page")


@api.operation("GET", "/v1/queues", summary="Warehouse queues", tag="queues", scope="orders:read", page="queues",
               response=Queues)
def queue_matrix(call: Call) -> Queues:
    """Depth, age and SLA buckets of every (warehouse, stage) cell, from the latest snapshot."""
    with reading() as conn:
        frame = queues.matrix(conn=conn, now=call.now, critical_hours=running.critical_hours(), scope=call.scope)
    return Queues(items=_models(QueueCell, frame), next_cursor=None)


class TeamsQuery(Strict):
    days: int = Field(default=7, ge=1, le=90, description="the period of the resolution figures")


class Team(BaseModel):
    team_id: str
    name: str | None
    lead_name: str | None
    open: int
    at_risk: int
    overdue: int
    unassigned: int
    value_at_risk: float | None
    resolved: int
    sla_adherence: float | None
    mtta_seconds: float | None
    mttr_seconds: float | None
    escalations: int
    reopen_rate: float | None


class Teams(BaseModel):
    items: list[Team]
    next_cursor: str | None = Field(description="always null: every team is in one page")


@api.operation("GET", "/v1/teams", summary="Teams", tag="teams", scope="exceptions:read", page="teams",
               query=TeamsQuery, response=Teams)
def team_summary(call: Call) -> Teams:
    """Open, at-risk and overdue exceptions per team, with resolution figures over `days`."""
    with reading() as conn:
        frame = teams.summary(conn=conn, now=call.now, at_risk=running.at_risk_share(), scope=call.scope,
                              days=call.query.days)
    return Teams(items=_models(Team, frame), next_cursor=None)


class KpiQuery(Strict):
    start: date | None = Field(default=None, description="first UTC day (default: 30 days ago)")
    end: date | None = Field(default=None, description="last UTC day, included (default: today)")
    region: str | None = Field(default=None, max_length=100)
    warehouse: str | None = Field(default=None, max_length=100)
    channel: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _ordered(self) -> "KpiQuery":
        if self.start and self.end and self.start > self.end:
            raise ValueError("start must not be after end")
        if self.start and self.end and (self.end - self.start).days > 731:
            raise ValueError("ask for at most two years at a time")
        return self


class KpiDefinition(BaseModel):
    name: str
    definition: str
    formula: str
    denominator: str
    exclusions: str
    unit: str
    target: float
    direction: str
    anchor: str


class KpiValue(BaseModel):
    kpi_id: str
    group: str
    value: float | None = Field(description="null when there is no data; a fraction for %, hours for h")
    display: str
    target_display: str
    status: str = Field(description="on_target, near_target, off_target or no_data")
    status_word: str
    n: float | None = Field(description="the sample size")
    filterable: bool
    definition: KpiDefinition


class KpiValues(BaseModel):
    start: date
    end: date = Field(description="the last day included")
    items: list[KpiValue]


_DEFINITIONS = {k.id: k for k in KPIS}


@api.operation("GET", "/v1/kpis", summary="KPI values", tag="kpis", scope="kpis:read", page="kpis",
               query=KpiQuery, response=KpiValues)
def kpi_values(call: Call) -> KpiValues:
    """Every KPI's value for the period and filters, with its registry definition."""
    q: KpiQuery = call.query
    end = q.end or call.now.date()
    start = q.start or end - timedelta(days=29)
    if start > end:
        raise Problem(400, "Invalid query", "start must not be after end.")
    filters = kpis.KpiFilters(start=start, end=end + timedelta(days=1), region=q.region,
                              warehouse=q.warehouse, channel=q.channel)
    with reading() as conn:
        frame = kpis.kpi_values(conn=conn, filters=filters, scope=call.scope)
    items = []
    for r in convert.records(frame):
        k = _DEFINITIONS[r["kpi_id"]]
        items.append(KpiValue.model_validate({**{f: r.get(f) for f in KpiValue.model_fields if f != "definition"},
                                              "definition": {f: getattr(k, f) for f in KpiDefinition.model_fields}}))
    return KpiValues(start=start, end=end, items=items)


class Stream(BaseModel):
    source: str
    stream: str
    status: str = Field(description="up, degraded or down")
    status_reason: str
    last_success_at: datetime | None
    age_seconds: float | None
    lag_seconds: float | None
    newest_record_at: datetime | None
    last_run_at: datetime | None
    runs: int
    failed_runs: int
    error_rate: float | None
    open_dead_letters: int
    limit_seconds: float | None


class DeadLetter(BaseModel):
    dead_letter_id: int
    source: str
    stream: str | None
    record_key: str | None
    reason: str
    status: str
    retry_count: int | None
    first_seen_at: datetime | None
    last_seen_at: datetime | None
    payload: Any = Field(description="the record as the source sent it (hidden from a limited scope)")


class Incident(BaseModel):
    exception_id: int
    source: str | None
    title: str | None
    severity: str | None
    status: str | None
    opened_at: datetime | None
    due_at: datetime | None
    assignee: str | None
    orders: int
    value: float | None


class Integrations(BaseModel):
    streams: list[Stream]
    dead_letters: list[DeadLetter] = Field(description="the oldest 200 open dead letters")
    incidents: list[Incident]


@api.operation("GET", "/v1/integrations", summary="Integration health", tag="integrations",
               scope="integrations:read", page="integrations", response=Integrations)
def integration_health(call: Call) -> Integrations:
    """Stream health, open dead letters and open integration incidents."""
    with reading() as conn:
        s = integrations.streams(conn=conn, now=call.now, default_limits=running.freshness_limits())
        d = integrations.open_dead_letters(conn=conn, scope=call.scope)
        i = integrations.incidents(conn=conn, scope=call.scope)
    return Integrations(streams=_models(Stream, s), dead_letters=_models(DeadLetter, d), incidents=_models(Incident, i))


class Me(BaseModel):
    username: str
    role: str
    warehouses: list[str] | None = Field(description="null: every warehouse")
    scopes: list[str] = Field(description="the token's scopes that the user's role allows")
    token_id: int


@api.operation("GET", "/v1/me", summary="Who the token acts as", tag="meta", scope="orders:read", response=Me)
def me(call: Call) -> Me:
    """The token's user, role, warehouses and usable scopes (no other read)."""
    user = call.caller.user
    return Me(username=user.username, role=user.role,
              warehouses=list(user.warehouses) if user.warehouses is not None else None,
              scopes=sorted(call.caller.scopes), token_id=call.caller.token_id)
