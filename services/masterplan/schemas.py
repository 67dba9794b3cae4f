"""Request and response models of the masterplan service."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, HttpUrl, field_validator, model_validator

RegencyCode = Annotated[str, Field(pattern=r"^\d{2}\.\d{2}$", examples=["21.72"])]
Year = Annotated[int, Field(ge=2017, le=2060, examples=[2019])]
Rupiah = Annotated[int, Field(ge=0, le=10**15, description="Rupiah, whole numbers", examples=[1_500_000_000])]
PERIOD = re.compile(r"^(20[1-6]\d)(-Q[1-4])?$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Dimension(ORM):
    code: str = Field(examples=["governance"])
    name_id: str
    name_en: str
    position: int
    elements: list[Element] = Field(default_factory=list)


class Element(ORM):
    code: str = Field(examples=["public_services"])
    name_id: str
    name_en: str


class DimensionPatch(Strict):
    """Omitted fields stay as they are; null is refused where a value is required."""

    name_id: str = Field(default=None, min_length=2, max_length=200)
    name_en: str = Field(default=None, min_length=2, max_length=200)


class ElementIn(Strict):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,39}$")
    name_id: str = Field(min_length=2, max_length=200)
    name_en: str = Field(min_length=2, max_length=200)


class Signatory(Strict):
    name: str = Field(min_length=2, max_length=200, examples=["Ir. Muzakir Sai Sohar"])
    title: str = Field(min_length=2, max_length=200, examples=["Bupati Muara Enim"])
    organisation: str = Field(min_length=2, max_length=200, examples=["Pemerintah Kabupaten Muara Enim"])


class MouIn(Strict):
    region_code: RegencyCode
    signed_on: date = Field(examples=["2018-05-08"])
    place: str = Field(min_length=2, max_length=200, examples=["Hotel Redtop, Jakarta"])
    signatories: list[Signatory] = Field(min_length=2, max_length=10)
    document_ref: str = Field(min_length=3, max_length=200, examples=["NK 119/M.KOMINFO/HK.03.02/05/2018"])


class Mou(ORM):
    id: int
    region_code: str
    region_name: str
    round_id: int
    cohort_year: int
    signed_on: date = Field(description="When it was signed")
    place: str
    signatories: list[dict[str, str]]
    document_ref: str
    amended_on: date | None = Field(description="When the last amendment was agreed")
    amendment_reason: str | None
    recorded_at: datetime = Field(validation_alias=AliasChoices("created_at", "recorded_at"),
                                  description="When the MoU was entered in this system")


class MouAmendmentIn(Strict):
    """The fields an amendment changes (omitted ones stay), its reason and the date it was agreed."""

    reason: str = Field(min_length=10, max_length=2000, examples=["Adendum: penandatangan dari pihak Pemda berganti"])
    amended_on: date | None = Field(default=None, description="When the amendment was agreed; default today (WIB)",
                                    examples=["2018-07-02"])
    signed_on: date = Field(default=None, examples=["2018-05-08"])
    place: str = Field(default=None, min_length=2, max_length=200)
    signatories: list[Signatory] = Field(default=None, min_length=2, max_length=10)
    document_ref: str = Field(default=None, min_length=3, max_length=200)

    @model_validator(mode="after")
    def _changes_something(self) -> MouAmendmentIn:
        if not self.model_fields_set & {"signed_on", "place", "signatories", "document_ref"}:
            raise ValueError("an amendment changes at least one of signed_on, place, signatories, document_ref")
        return self


class PartnerKind(StrEnum):
    university = "university"
    practitioner = "practitioner"
    technology_advisor = "technology_advisor"
    other = "other"


class Partner(Strict):
    name: str = Field(min_length=2, max_length=200, examples=["Institut Teknologi Bandung"])
    kind: PartnerKind
    role: str = Field(min_length=2, max_length=500, examples=["Pendamping penyusunan masterplan"])


class ReadinessItem(Strict):
    score: Decimal = Field(ge=0, le=100, max_digits=5, decimal_places=2)
    narrative: str = Field(min_length=3, max_length=4000)


class Readiness(Strict):
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
    readiness: Readiness | None = None

    @model_validator(mode="after")
    def _horizon(self) -> MasterplanIn:
        if not 5 <= self.end_year - self.start_year + 1 <= 10:
            raise ValueError("a masterplan covers 5 to 10 years")
        return self


class MasterplanPatch(Strict):
    """Omitted fields stay as they are; null is refused where a value is required."""

    vision: str = Field(default=None, min_length=10, max_length=4000)
    partners: list[Partner] = Field(default=None, max_length=20)
    readiness: Readiness = None
    start_year: Year = None
    end_year: Year = None


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
    legal_basis: LegalBasis | None = Field(default=None, description="Required to approve")


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
    region_code: str
    cohort_year: int
    version: int
    state: MasterplanState
    start_year: int
    end_year: int
    vision: str
    partners: list[dict[str, Any]]
    readiness: dict[str, Any]
    revision_reason: str | None
    revised_on: date | None = Field(description="When the revision was decided (versions after the first)")
    legal_basis: dict[str, Any] | None
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


class MasterplanPage(BaseModel):
    items: list[Masterplan]
    total: int
    limit: int
    offset: int


class Funding(StrEnum):
    apbd = "apbd"
    apbn = "apbn"
    kpbu = "kpbu"
    csr_private = "csr_private"
    other = "other"


class BudgetLine(Strict):
    year: Year
    source: Funding
    amount: Rupiah


class ProgrammeIn(Strict):
    dimension_code: str = Field(pattern=r"^[a-z_]{2,30}$", examples=["governance"])
    element_code: str | None = Field(default=None, pattern=r"^[a-z][a-z0-9_]{1,39}$", examples=["public_services"])
    title: str = Field(min_length=3, max_length=300, examples=["Mal Pelayanan Publik digital"])
    description: str | None = Field(default=None, max_length=4000)
    opd: str = Field(min_length=2, max_length=200, examples=["Dinas Komunikasi dan Informatika"])
    start_year: Year
    end_year: Year
    quick_win: bool = False
    budget: list[BudgetLine] = Field(default_factory=list, max_length=100)

    @model_validator(mode="after")
    def _years(self) -> ProgrammeIn:
        if self.end_year < self.start_year:
            raise ValueError("end_year is before start_year")
        for line in self.budget:
            if not self.start_year <= line.year <= self.end_year:
                raise ValueError(f"budget year {line.year} is outside the programme's years")
        keys = [(b.year, b.source) for b in self.budget]
        if len(keys) != len(set(keys)):
            raise ValueError("one budget line per year and source")
        return self


class Programme(ORM):
    id: int
    key: str
    dimension_code: str
    element_code: str | None
    title: str
    description: str | None
    opd: str
    start_year: int
    end_year: int
    quick_win: bool
    budget: list[dict[str, Any]]
    alignment: list[str]


class AlignmentIn(Strict):
    tags: list[Annotated[str, Field(min_length=2, max_length=100)]] = Field(
        max_length=20, examples=[["RPJMN 2020-2024 PN 7: transformasi digital", "RPJMD misi 2"]])


class MasterplanDetail(Masterplan):
    programmes: list[Programme]


class FieldChange(BaseModel):
    field: str
    before: Any
    after: Any


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


class RoadmapCell(BaseModel):
    programmes: list[str] = Field(description="Programme keys running in this year and dimension")
    budget: int


class RoadmapYear(BaseModel):
    year: int
    dimensions: dict[str, RoadmapCell]
    budget_total: int
    budget_by_source: dict[str, int]
    quick_wins: list[str]


class Roadmap(BaseModel):
    masterplan_id: int
    region_code: str
    version: int
    start_year: int
    end_year: int
    years: list[RoadmapYear]
    budget_total: int
    budget_by_dimension: dict[str, int]
    budget_by_source: dict[str, int]


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


class SchemeIn(Strict):
    code: str = Field(pattern=r"^[a-z0-9-]{3,40}$", examples=["evaluasi-gm100"])
    weights: dict[str, Decimal] = Field(examples=[{"baseline": 10, "output": 25, "outcome": 25, "impact": 20,
                                                   "quick_win": 20}])

    @field_validator("weights")
    @classmethod
    def _sum(cls, weights: dict[str, Decimal]) -> dict[str, Decimal]:
        if not weights or sum(weights.values()) != 100 or any(w <= 0 for w in weights.values()):
            raise ValueError("weights are positive and sum to 100")
        if any(not re.match(r"^[a-z_]{2,30}$", k) for k in weights):
            raise ValueError("weight names are lower-case words")
        return weights


class Scheme(ORM):
    id: int
    code: str
    version: int
    weights: dict[str, Any]


class EvaluationIn(Strict):
    year: Year
    scheme_id: int = Field(ge=1)
    scores: dict[str, Annotated[Decimal, Field(ge=0, le=100)]]


class Evaluation(ORM):
    id: int
    region_code: str
    masterplan_id: int
    year: int
    scheme_id: int
    scores: dict[str, Any]
    total: Decimal


Dimension.model_rebuild()


def valid_period(period: str) -> bool:
    return bool(PERIOD.match(period))


class RegionSummary(BaseModel):
    region_code: str
    mous: list[Mou]
    current: Masterplan | None = Field(description="The approved version, else the newest")
    versions: int
    roadmap: RoadmapSummary | None
    late: list[LateProgramme]


class RoadmapSummary(BaseModel):
    start_year: int
    end_year: int
    programmes: int
    quick_wins: int
    budget_total: int
    budget_by_dimension: dict[str, int]


class FunnelRegion(BaseModel):
    region_code: str
    cohort_year: int
    mou_signed: bool
    masterplan_approved: bool
    quick_wins_delivered: int
    programmes_late: int


class FunnelRows(BaseModel):
    items: list[FunnelRegion]


RegionSummary.model_rebuild()
