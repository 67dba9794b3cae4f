"""Scores, score sheets, moderation and self-assessment."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field, HttpUrl, model_validator

from services.common.documents.schemas import DocumentIn
from services.common.schemas import RegencyCode, Strict

from ..rubric.schemas import Key


class ScoreIn(Strict):
    component_key: Key
    value: Decimal = Field(max_digits=8, decimal_places=3)
    comment: str | None = Field(default=None, max_length=4000)


class ScoreSheetIn(Strict):
    scores: list[ScoreIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _once_each(self) -> ScoreSheetIn:
        keys = [s.component_key for s in self.scores]
        if len(keys) != len(set(keys)):
            raise ValueError("each component is scored once")
        return self


class RegionSheetIn(ScoreSheetIn):
    region_code: RegencyCode


class ScoreSheetsIn(Strict):
    sheets: list[RegionSheetIn] = Field(min_length=1, max_length=200)
    submit: bool = Field(default=False, description="Also submit each region's scores (they lock)")

    @model_validator(mode="after")
    def _distinct(self) -> ScoreSheetsIn:
        codes = [s.region_code for s in self.sheets]
        if len(codes) != len(set(codes)):
            raise ValueError("each region appears once")
        return self


class ScoreSheetsResult(BaseModel):
    saved: list[str] = Field(description="Regions whose scores were saved")
    submitted: list[str] = Field(description="Regions submitted by this call")


class Score(BaseModel):
    assessor_id: int
    component_key: str
    value: Decimal
    moderated_value: Decimal | None
    comment: str | None


class ScoreSheet(BaseModel):
    region_code: str
    submitted_by: list[int] = Field(description="Assessors who submitted for this region")
    scores: list[Score] = Field(description="Yours, or everyone's once you have submitted (officers see all)")


class ReopenIn(Strict):
    assessor_id: int = Field(ge=1)
    reason: str = Field(min_length=10, max_length=1000)


class ModerationIn(Strict):
    assessor_id: int = Field(ge=1)
    component_key: Key
    value: Decimal = Field(max_digits=8, decimal_places=3)
    reason: str = Field(min_length=10, max_length=1000)


class SelfItemIn(Strict):
    component_key: Key
    value: Decimal = Field(max_digits=8, decimal_places=3)
    evidence_links: list[HttpUrl] = Field(default_factory=list, max_length=20)


class SelfAssessmentIn(Strict):
    items: list[SelfItemIn] = Field(min_length=1, max_length=100)
    submitted_on: date | None = Field(default=None, examples=["2019-02-20"], description=(
        "When the region submitted it; default today (WIB). After the round's self_assessment deadline it is "
        "refused (409 deadline-passed) or marked late, as the deadline's rule says"))

    @model_validator(mode="after")
    def _once_each(self) -> SelfAssessmentIn:
        keys = [i.component_key for i in self.items]
        if len(keys) != len(set(keys)):
            raise ValueError("each component is declared once")
        return self


class SelfItem(BaseModel):
    component_key: str
    value: Decimal
    evidence_links: list[str]
    verified_value: Decimal | None


class SelfAssessment(BaseModel):
    region_code: str
    items: list[SelfItem]


class VerifyIn(Strict):
    component_key: Key
    verified_value: Decimal = Field(max_digits=8, decimal_places=3)


class EvidenceIn(DocumentIn):
    """A document supporting one self-assessed component (bukti dukung)."""

    component_key: Key = Field(description="The self-assessed component it supports")
