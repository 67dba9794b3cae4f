"""Request and response models of the assessment service."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, model_validator

RegencyCode = Annotated[str, Field(pattern=r"^\d{2}\.\d{2}$", examples=["21.72"])]
Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{1,59}$", examples=["commitment"])]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ORM(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class ComponentKind(StrEnum):
    group = "group"
    panel = "panel"
    self = "self"
    indicator = "indicator"


class ComponentIn(Strict):
    key: Key
    parent_key: Key | None = Field(default=None, description="The group this component belongs to")
    name: str = Field(min_length=2, max_length=200, examples=["Komitmen"])
    kind: ComponentKind
    weight: Decimal = Field(gt=0, le=100, max_digits=6, decimal_places=3,
                            description="Share of its parent (siblings sum to 100)")
    scale_min: Decimal | None = Field(default=None, examples=[1])
    scale_max: Decimal | None = Field(default=None, examples=[5])
    levels: dict[str, str] | None = Field(default=None, description="A descriptor per scale level",
                                          examples=[{"1": "Belum ada", "5": "Teroptimasi"}])
    indicator_code: str | None = Field(default=None, pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])
    normalisation: dict[str, Any] | None = Field(
        default=None, description="For indicator components: {'map': {category: 0-100}}, "
                                  "{'min': a, 'max': b, 'higher_is_better': true}, or {'from_indicator': true} to "
                                  "take min/max/direction or the categories from the indicator's own definition "
                                  "in the registry when scoring closes",
        examples=[{"map": {"rendah": 0, "sedang": 50, "tinggi": 100}}, {"from_indicator": True}])

    @model_validator(mode="after")
    def _normalisation(self) -> ComponentIn:
        rule = self.normalisation
        if rule is not None and not ({"map"} <= rule.keys() or rule.get("from_indicator") is True
                                     or {"min", "max"} <= rule.keys()):
            raise ValueError(f"{self.key}: normalisation is a map, min/max, or from_indicator")
        return self


class RubricIn(Strict):
    code: str = Field(pattern=r"^[a-z0-9-]{3,60}$", examples=["gm100-2019"])
    title: str = Field(min_length=3, max_length=200, examples=["Rubrik seleksi Gerakan Menuju 100 Smart City 2019"])
    description: str | None = Field(default=None, max_length=4000)
    components: list[ComponentIn] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _tree(self) -> RubricIn:
        keys = [c.key for c in self.components]
        if len(keys) != len(set(keys)):
            raise ValueError("component keys must be unique")
        kinds = {c.key: c.kind for c in self.components}
        siblings: dict[str | None, Decimal] = {}
        for c in self.components:
            if c.parent_key is not None and kinds.get(c.parent_key) != ComponentKind.group:
                raise ValueError(f"{c.key}: parent {c.parent_key} is not a group in this rubric")
            siblings[c.parent_key] = siblings.get(c.parent_key, Decimal(0)) + c.weight
            if c.kind in (ComponentKind.panel, ComponentKind.self):
                if c.scale_min is None or c.scale_max is None or c.scale_max <= c.scale_min:
                    raise ValueError(f"{c.key}: a scored component needs scale_min < scale_max")
            if c.kind == ComponentKind.indicator and (not c.indicator_code or not c.normalisation):
                raise ValueError(f"{c.key}: an indicator component needs indicator_code and normalisation")
            if c.kind == ComponentKind.group and not any(x.parent_key == c.key for x in self.components):
                raise ValueError(f"{c.key}: a group needs components")
        for parent, total in siblings.items():
            if total != 100:
                raise ValueError(f"weights under {parent or 'the top level'} sum to {total}, not 100")
        return self


class Component(ORM):
    key: str
    parent_key: str | None
    name: str
    kind: ComponentKind
    weight: Decimal
    scale_min: Decimal | None
    scale_max: Decimal | None
    levels: dict[str, str] | None
    indicator_code: str | None
    normalisation: dict[str, Any] | None


class Rubric(ORM):
    id: int
    code: str
    version: int
    title: str
    description: str | None
    locked: bool = Field(description="True once a round using it left draft; change it by a new version")
    components: list[Component]


class RoundState(StrEnum):
    draft = "draft"
    inviting = "inviting"
    assessing = "assessing"
    moderating = "moderating"
    finalised = "finalised"
    published = "published"


class Aggregation(StrEnum):
    mean = "mean"
    median = "median"


class IslandGroup(StrEnum):
    sumatera = "sumatera"
    jawa = "jawa"
    bali_nusa_tenggara = "bali_nusa_tenggara"
    kalimantan = "kalimantan"
    sulawesi = "sulawesi"
    maluku = "maluku"
    papua = "papua"


class EquityRules(Strict):
    min_per_island_group: dict[IslandGroup, Annotated[int, Field(ge=0, le=514)]] = Field(
        default_factory=dict, examples=[{"papua": 2, "maluku": 1}])
    max_per_province: int | None = Field(default=None, ge=1, le=514, examples=[3])


class RoundIn(Strict):
    year: int = Field(ge=2017, le=2100, examples=[2019])
    title: str = Field(min_length=3, max_length=200, examples=["Gerakan Menuju 100 Smart City 2019"])
    quota: int = Field(ge=1, le=514, examples=[25])
    starts_on: date = Field(examples=["2019-02-21"])
    ends_on: date = Field(examples=["2019-02-22"])
    venue: str = Field(min_length=2, max_length=200, examples=["Pustiknas, Tangerang Selatan"])
    rubric_id: int = Field(ge=1)
    equity_rules: EquityRules = Field(default_factory=EquityRules)
    aggregation: Aggregation = Aggregation.mean
    disagreement_threshold: Decimal = Field(default=Decimal(15), ge=0, le=100, max_digits=6, decimal_places=2,
                                            description="Standard deviation (0-100 scale) above which a region "
                                                        "is flagged for moderation")

    @model_validator(mode="after")
    def _check(self) -> RoundIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if sum(self.equity_rules.min_per_island_group.values()) > self.quota:
            raise ValueError("the island-group minimums add up to more than the quota")
        return self


class RoundPatch(Strict):
    """Omitted fields stay as they are; null is refused where a value is required."""

    title: str = Field(default=None, min_length=3, max_length=200)
    quota: int = Field(default=None, ge=1, le=514)
    starts_on: date = None
    ends_on: date = None
    venue: str = Field(default=None, min_length=2, max_length=200)
    equity_rules: EquityRules = None
    aggregation: Aggregation = None
    disagreement_threshold: Decimal = Field(default=None, ge=0, le=100, max_digits=6, decimal_places=2)


class Round(ORM):
    id: int
    year: int
    title: str
    quota: int
    starts_on: date
    ends_on: date
    venue: str
    rubric_id: int
    equity_rules: dict[str, Any]
    aggregation: Aggregation
    disagreement_threshold: Decimal
    state: RoundState
    result_hash: str | None
    finalised_at: datetime | None
    published_at: datetime | None


class Transition(Strict):
    to: RoundState


class InvitationFilter(Strict):
    type: str | None = Field(default=None, pattern="^(kabupaten|kota)$")
    province: str | None = Field(default=None, pattern=r"^\d{2}$")
    island_group: IslandGroup | None = None
    indicator: str | None = Field(default=None, pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])
    indicator_year: int | None = Field(default=None, ge=2000, le=2100)
    indicator_values: list[str] | None = Field(default=None, max_length=20, examples=[["tinggi"]])


class ReinviteIn(Strict):
    region_code: RegencyCode
    reason: str = Field(min_length=10, max_length=1000, examples=["Diundang kembali untuk putaran evaluasi khusus"])


class InviteIn(Strict):
    region_codes: list[RegencyCode] | None = Field(default=None, max_length=514)
    filter: InvitationFilter | None = None
    reinvitations: list[ReinviteIn] = Field(
        default_factory=list, max_length=514,
        description="Regions selected in an earlier round are not invited again (409 region-already-selected) "
                    "unless listed here with the officer's reason; a filter leaves them out")

    @model_validator(mode="after")
    def _one(self) -> InviteIn:
        if (self.region_codes is None) == (self.filter is None):
            raise ValueError("send either region_codes or filter")
        if self.reinvitations and not {r.region_code for r in self.reinvitations} <= set(self.region_codes or []):
            raise ValueError("each reinvitation names a region of region_codes")
        return self


class EarlierSelection(BaseModel):
    region_code: str
    round_id: int
    year: int


class InviteResult(BaseModel):
    invited: int
    already_invited: int
    region_codes: list[str]
    left_out_selected: list[EarlierSelection] = Field(
        default_factory=list, description="Regions a filter matched but an earlier round already selected")


class InvitationStatus(StrEnum):
    invited = "invited"
    accepted = "accepted"
    declined = "declined"
    withdrawn = "withdrawn"


class Invitation(ORM):
    region_code: str
    region_name: str
    province_code: str
    island_group: str
    status: InvitationStatus
    answered_on: date | None = Field(description="When the region answered")
    answer_recorded_at: datetime | None = Field(description="When the answer was entered")
    attended: bool
    attended_on: date | None = Field(description="When the region presented")
    attendance_recorded_at: datetime | None
    reinvite_reason: str | None
    withdrawn_on: date | None
    withdrawal_reason: str | None


class InvitationPage(BaseModel):
    items: list[Invitation]
    total: int
    limit: int
    offset: int


class Answer(StrEnum):
    accepted = "accepted"
    declined = "declined"


class InvitationAnswer(Strict):
    status: Answer | None = Field(default=None, description="The region's answer (pemda or Kominfo)")
    answered_on: date | None = Field(default=None, description="When the region answered; default today (WIB)",
                                     examples=["2019-02-11"])
    attended: bool | None = Field(default=None, description="Whether it presented (Kominfo; once the round is "
                                  "inviting or assessing, never in draft)")
    attended_on: date | None = Field(default=None, description="When it presented; default today (WIB)",
                                     examples=["2019-02-21"])


class InvitationAnswerRow(InvitationAnswer):
    region_code: RegencyCode


class InvitationAnswersIn(Strict):
    items: list[InvitationAnswerRow] = Field(min_length=1, max_length=600)

    @model_validator(mode="after")
    def _distinct(self) -> InvitationAnswersIn:
        codes = [i.region_code for i in self.items]
        if len(codes) != len(set(codes)):
            raise ValueError("each region appears once")
        return self


class InvitationAnswersResult(BaseModel):
    updated: int
    items: list[Invitation]


class WithdrawalIn(Strict):
    reason: str = Field(min_length=10, max_length=1000, examples=["Pemda mengundurkan diri sebelum wawancara"])
    withdrawn_on: date | None = Field(default=None, description="Default today (WIB)", examples=["2019-02-15"])


class AssessorIn(Strict):
    user_sub: str = Field(min_length=3, max_length=200, examples=["user:6f1c..."],
                          description="The gateway account (token `sub`) of this assessor")
    name: str = Field(min_length=2, max_length=200, examples=["Dr. Ir. Suhono Harso Supangkat"])
    institution: str = Field(min_length=2, max_length=120, examples=["ITB"])
    home_province: str | None = Field(default=None, pattern=r"^\d{2}$", examples=["32"])


class Assessor(ORM):
    id: int
    user_sub: str
    name: str
    institution: str
    home_province: str | None


class ConflictIn(Strict):
    region_code: RegencyCode
    reason: str = Field(min_length=3, max_length=1000, examples=["Former adviser to the regional government"])


class Conflict(ORM):
    assessor_id: int
    region_code: str
    reason: str
    declared_at: datetime


class MentorshipIn(Strict):
    institution: str = Field(min_length=2, max_length=120, examples=["ITB"])
    region_code: RegencyCode


class SessionIn(Strict):
    name: str = Field(min_length=2, max_length=200, examples=["Panel A, 21 Feb 2019 morning"])
    venue: str = Field(min_length=2, max_length=200, examples=["Pustiknas, Tangerang Selatan"])
    starts_at: datetime
    ends_at: datetime
    assessor_ids: list[Annotated[int, Field(ge=1)]] = Field(min_length=1, max_length=50)
    region_codes: list[RegencyCode] = Field(min_length=1, max_length=200)
    overrides: list[OverrideIn] = Field(default_factory=list, max_length=200,
                                        description="Conflicts the officer allows anyway, each with a reason")

    @model_validator(mode="after")
    def _times(self) -> SessionIn:
        if self.ends_at <= self.starts_at:
            raise ValueError("ends_at must be after starts_at")
        if self.starts_at.tzinfo is None:
            raise ValueError("times need a timezone, e.g. 2019-02-21T08:00:00+07:00")
        return self


class OverrideIn(Strict):
    assessor_id: int = Field(ge=1)
    region_code: RegencyCode
    reason: str = Field(min_length=10, max_length=1000)


SessionIn.model_rebuild()


class SessionPatch(Strict):
    """Omitted fields stay; the result is checked as a new session would be."""

    name: str = Field(default=None, min_length=2, max_length=200)
    venue: str = Field(default=None, min_length=2, max_length=200)
    starts_at: datetime = None
    ends_at: datetime = None
    assessor_ids: list[Annotated[int, Field(ge=1)]] = Field(default=None, min_length=1, max_length=50)
    region_codes: list[RegencyCode] = Field(default=None, min_length=1, max_length=200)
    overrides: list[OverrideIn] = Field(default=None, max_length=200)


class Session(BaseModel):
    id: int
    name: str
    venue: str
    starts_at: datetime
    ends_at: datetime
    assessor_ids: list[int]
    region_codes: list[str]


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


class MissingComponent(BaseModel):
    component_key: str
    reason: str = Field(examples=["no value of indicator kkd for 2019"])
    rule: str = Field(examples=["scored 0 of 100"])


class RegionResult(BaseModel):
    region_code: str
    region_name: str
    province_code: str
    island_group: str
    rank: int | None
    total: float | None
    components: dict[str, dict[str, Any]]
    flagged_for_moderation: bool
    selected: bool
    rule: str = Field(description="The rule that decided this region's outcome")
    pushed: str | None = Field(description="'in' or 'out' when an equity rule changed the outcome by rank")
    missing: list[MissingComponent] = Field(default_factory=list,
                                            description="Components without a value, and the rule applied to each")
    set_aside: list[int] = Field(default_factory=list, description="Assessors whose submitted scores were set aside "
                                 "for a conflict of interest (kept, not counted)")


class Results(BaseModel):
    round_id: int
    state: RoundState
    rubric_id: int
    rubric_code: str
    rubric_version: int
    frozen: bool = Field(description="True once finalised: the stored, immutable result")
    result_hash: str | None
    agreement_alpha: float | None = Field(description="Krippendorff's alpha (interval) over all panel scores")
    selected_count: int
    items: list[RegionResult]


class Verification(BaseModel):
    stored_hash: str | None
    recomputed_hash: str
    equal: bool


class PublicRegionResult(BaseModel):
    region_code: str
    region_name: str
    island_group: str
    rank: int | None
    total: float | None
    selected: bool
    rule: str


class PublicResults(BaseModel):
    round_id: int
    year: int
    title: str
    published_at: datetime
    rubric_code: str
    rubric_version: int
    result_hash: str
    items: list[PublicRegionResult]


class Selection(BaseModel):
    round_id: int
    year: int
    region_code: str
    region_name: str
    rank: int | None
    published_at: datetime


class RoundHistory(BaseModel):
    round_id: int
    year: int
    title: str
    state: RoundState
    invitation: InvitationStatus
    attended: bool
    rank: int | None = None
    total: float | None = None
    selected: bool | None = Field(default=None, description="Known once the round is finalised")
    rule: str | None = None


class FunnelRegion(BaseModel):
    region_code: str
    province_code: str
    island_group: str
    round_id: int
    year: int
    attended: bool
    selected: bool
    published: bool


class FunnelRows(BaseModel):
    items: list[FunnelRegion]
