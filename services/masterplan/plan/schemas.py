"""Masterplan version models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, Field, field_validator, model_validator

from services.common.schemas import ORM, CodeToday, Omittable, Patch, RecordedCode, RegencyCode, Strict

from ..programme.schemas import BudgetLine, Programme
from ..types import Year


class PartnerKind(StrEnum):
    university = "university"
    practitioner = "practitioner"
    technology_advisor = "technology_advisor"
    other = "other"


class Partner(Strict):
    name: str = Field(min_length=2, max_length=200, examples=["Institut Teknologi Bandung"])
    kind: PartnerKind
    role: str = Field(min_length=2, max_length=500, examples=["Pendamping penyusunan masterplan"])


class ReadinessItemIn(Strict):
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    narrative: str = Field(min_length=3, max_length=4000)


class ReadinessIn(Strict):
    structure: ReadinessItemIn
    infrastructure: ReadinessItemIn
    superstructure: ReadinessItemIn


class ReadinessItem(BaseModel):
    score: Decimal = Field(description="0-100, as a decimal string", examples=["72.50"])
    narrative: str


class Readiness(BaseModel):
    """The region's own account of its readiness, as it gave it (one schema per direction: numbers go in as
    numbers or strings, and come back as exact decimal strings)."""

    structure: ReadinessItem
    infrastructure: ReadinessItem
    superstructure: ReadinessItem


class MasterplanIn(Strict):
    region_code: RegencyCode
    start_year: Year
    end_year: Year
    vision: str = Field(min_length=10, max_length=4000,
                        examples=["Tanjungpinang kota cerdas berbasis budaya Melayu yang melayani warganya"])
    partners: list[Partner] = Field(default_factory=list, max_length=20)
    readiness: ReadinessIn | None = None

    @model_validator(mode="after")
    def _horizon(self) -> MasterplanIn:
        if not 5 <= self.end_year - self.start_year + 1 <= 10:
            raise ValueError("a masterplan covers 5 to 10 years")
        return self


class MasterplanPatch(Patch):
    vision: Omittable[Annotated[str, Field(min_length=10, max_length=4000)]] = None
    partners: Omittable[Annotated[list[Partner], Field(max_length=20)]] = None
    readiness: Omittable[ReadinessIn] = None
    start_year: Omittable[Year] = None
    end_year: Omittable[Year] = None


class MasterplanState(StrEnum):
    draft = "draft"
    submitted = "submitted"
    in_review = "in_review"
    approved = "approved"
    superseded = "superseded"


class LegalBasis(Strict):
    kind: str = Field(pattern="^(perbup|perwali)$", examples=["perwali"])
    number: str = Field(min_length=1, max_length=100, examples=["Perwali No. 45 Tahun 2019"])
    date: date


class TransitionIn(Strict):
    to: MasterplanState
    legal_basis: LegalBasis | None = Field(default=None, description="Required to approve (and only then): the "
                                           "Perbup/Perwali that enacts it; its date is the approval date")

    @model_validator(mode="after")
    def _basis(self) -> TransitionIn:
        if (self.to == MasterplanState.approved) != (self.legal_basis is not None):
            raise ValueError("legal_basis is given exactly when approving")
        return self


class RevisionIn(Strict):
    reason: str = Field(min_length=10, max_length=2000, examples=["Kepala daerah baru hasil Pilkada 2020"])
    decided_on: date | None = Field(default=None, description="When the region decided to revise; default today "
                                    "(WIB)", examples=["2021-03-01"])


class ReconfirmIn(Strict):
    note: str = Field(min_length=10, max_length=2000,
                      examples=["Walikota baru menegaskan masterplan tetap berlaku tanpa perubahan"])
    reconfirmed_on: date | None = Field(default=None, description="When the head reconfirmed it (not before the "
                                        "approval); default today (WIB)", examples=["2021-04-12"])


class CommentIn(Strict):
    body: str = Field(min_length=3, max_length=4000)


class Comment(ORM):
    id: int
    author: str
    body: str
    created_at: datetime


class Masterplan(ORM):
    id: int
    region_code: RecordedCode
    region_code_today: CodeToday
    cohort_year: int
    version: int
    state: MasterplanState
    start_year: int
    end_year: int
    vision: str
    partners: list[Partner]
    readiness: Readiness | None = Field(description="Null when the region did not describe it")
    revision_reason: str | None
    revised_on: date | None = Field(description="When the revision was decided (versions after the first)")
    legal_basis: LegalBasis | None
    approved_on: date | None = Field(description="The date of the Perbup/Perwali that approved it: what rules use")
    approval_recorded_at: datetime | None = Field(description="When the approval was entered in this system")
    needs_reconfirmation: bool
    reconfirmation_reason: str | None = Field(description="Why it is flagged, while it is")
    flagged_at: datetime | None = Field(description="When it was last flagged")
    reconfirmation_note: str | None
    reconfirmed_on: date | None
    reconfirmation_recorded_at: datetime | None
    recorded_at: datetime = Field(validation_alias=AliasChoices("created_at", "recorded_at"),
                                  description="When this version was created in this system")


    @field_validator("readiness", mode="before")
    @classmethod
    def _none_when_empty(cls, value: Any) -> Any:
        return value or None


class MasterplanDetail(Masterplan):
    programmes: list[Programme]


class FieldChange(BaseModel):
    """A programme field that differs between two versions: a text, a year, the quick-win flag or the budget."""

    field: str = Field(examples=["budget"])
    before: str | int | bool | list[BudgetLine] | None
    after: str | int | bool | list[BudgetLine] | None


class ProgrammeChange(BaseModel):
    key: str
    title: str
    changes: list[FieldChange]


class Diff(BaseModel):
    from_version: int
    to_version: int
    added: list[Programme]
    removed: list[Programme]
    changed: list[ProgrammeChange]
