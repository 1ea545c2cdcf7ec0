"""/api/v1/risk/reviews: precision judged by people per flag kind and model (or check) version,
the same read as /risk (tower.data.risk_reviews.by_version), within the caller's warehouses."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from tower.api import convert
from tower.api.framework import Call, api
from tower.data import risk_reviews
from tower.data.access import reading


class ReviewDefinition(BaseModel):
    name: str
    definition: str
    formula: str
    denominator: str
    exclusions: str


class VersionReviews(BaseModel):
    kind: str = Field(description="sla_miss_risk or invoice_discrepancy")
    model_version: str
    version_status: str = Field(description="in_service, retired, rejected, candidate (or unknown)")
    trained_at: datetime | None
    raised: int = Field(description="flags of this version for orders in your warehouses")
    open: int
    expired: int
    accepted: int
    dismissed: int
    reviewed: int = Field(description="accepted + dismissed: the sample size of precision")
    accepted_by_reason: dict[str, int]
    dismissed_by_reason: dict[str, int]
    precision: float | None = Field(description="accepted / reviewed; null before any review")
    precision_low: float | None = Field(description="95% Wilson interval, lower end")
    precision_high: float | None = Field(description="95% Wilson interval, upper end")


class RiskReviews(BaseModel):
    definition: ReviewDefinition
    items: list[VersionReviews]
    next_cursor: str | None = Field(description="always null: every version is in one page")


@api.operation("GET", "/v1/risk/reviews", summary="Precision judged by people", tag="risk", scope="kpis:read",
               page="risk", response=RiskReviews)
def review_figures(call: Call) -> RiskReviews:
    """Per flag kind and model or check version: flags raised, open, expired, accepted and
    dismissed (by reason) on /review, and the precision people judged, with its definition."""
    with reading() as conn:
        frame = risk_reviews.by_version(conn=conn, scope=call.scope)
    names = VersionReviews.model_fields
    items = [VersionReviews.model_validate({k: v for k, v in r.items() if k in names}) for r in convert.records(frame)]
    return RiskReviews(definition=ReviewDefinition(**risk_reviews.PEOPLE_PRECISION.as_dict()), items=items,
                       next_cursor=None)
