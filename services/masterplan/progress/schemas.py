"""Progress, late programmes and evaluation models."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field, HttpUrl, field_validator

from services.common.schemas import ORM, Strict

from ..types import Rupiah, Year


class ReportStatus(StrEnum):
    not_started = "not_started"
    on_track = "on_track"
    delayed = "delayed"
    done = "done"
    cancelled = "cancelled"


class ProgressIn(Strict):
    status: ReportStatus
    percent: int = Field(ge=0, le=100)
    realised_budget: Rupiah = 0
    evidence_links: list[HttpUrl] = Field(default_factory=list, max_length=20)
    notes: str | None = Field(default=None, max_length=4000)


class Progress(ORM):
    programme_id: int
    period: str
    status: ReportStatus
    percent: int
    realised_budget: int
    evidence_links: list[str]
    notes: str | None
    reported_by: str
    reported_at: datetime
    review_note: str | None


class ProgressReviewIn(Strict):
    note: str = Field(min_length=3, max_length=2000)


class LateProgramme(BaseModel):
    programme_key: str
    title: str
    missing_years: list[int]


# Written to at most three decimals, so no weight or score can underflow to zero or lose digits when stored.
Share = Annotated[Decimal, Field(gt=0, le=100, max_digits=6, decimal_places=3)]
Score = Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=3)]


SCHEME_CODE = r"^[a-z0-9-]{3,40}$"


class SchemeIn(Strict):
    code: str = Field(pattern=SCHEME_CODE, examples=["evaluasi-gm100"])
    weights: dict[str, Share] = Field(examples=[{"baseline": 10, "output": 25, "outcome": 25, "impact": 20,
                                                   "quick_win": 20}])

    @field_validator("weights")
    @classmethod
    def _sum(cls, weights: dict[str, Share]) -> dict[str, Share]:
        if not weights or sum(weights.values()) != 100 or any(w <= 0 for w in weights.values()):
            raise ValueError("weights are positive and sum to 100")
        if any(not re.match(r"^[a-z_]{2,30}$", k) for k in weights):
            raise ValueError("weight names are lower-case words")
        return weights


class Scheme(ORM):
    id: int
    code: str
    version: int
    weights: dict[str, Decimal]


class EvaluationIn(Strict):
    year: Year
    scheme_id: int = Field(ge=1)
    scores: dict[str, Score]


class Evaluation(ORM):
    id: int
    region_code: str
    masterplan_id: int
    year: int
    scheme_id: int
    scores: dict[str, Decimal]
    total: Decimal


class EvaluationRecord(Evaluation):
    """An evaluation with what another service needs to compare it: the region's code today and the scheme's
    code and version."""

    region_code_today: str = Field(examples=["21.72"])
    scheme_code: str = Field(examples=["evaluasi-gm100"])
    scheme_version: int = Field(examples=[1])
