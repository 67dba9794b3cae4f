"""Results, verification, public results, selections, history and funnel rows."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, Field

from services.common.schemas import CodeToday, RecordedCode, RegencyCode, Signatory, Strict

from ..rubric.schemas import Component, Normalisation
from ..types import EquityRules, EvaluationRule, InvitationStatus, Robustness, RoundState


def _absent(value: object) -> bool:
    """Fields that do not apply to a component's kind are left out of the answer, not sent as null."""
    return value is None


class ComponentScore(BaseModel):
    """One component of a region's result; only the fields that apply to its kind are present."""

    score: float = Field(description="0-100", examples=[75.0])
    assessors: int | None = Field(default=None, exclude_if=_absent,
                                  description="Panel: how many assessors' submitted scores count")
    std: float | None = Field(default=None, exclude_if=_absent,
                              description="Panel: the spread between assessors (0-100 scale)")
    range: float | None = Field(default=None, exclude_if=_absent,
                                description="Panel: highest minus lowest normalised score")
    indicator_value: str | None = Field(default=None, exclude_if=_absent,
                                        description="Indicator: the value the score comes from")
    missing: str | None = Field(default=None, exclude_if=_absent, description="Why the component has no value")
    rule: str | None = Field(default=None, exclude_if=_absent, description="The rule applied when it has none")


class MissingComponent(BaseModel):
    component_key: str
    reason: str = Field(examples=["no value of indicator kkd for 2019"])
    rule: str = Field(examples=["scored 0 of 100"])


class PreviousIndex(BaseModel):
    round_id: int | None = Field(description="The evaluation round (none: recorded on the masterplan)")
    masterplan_evaluation_id: int | None = Field(
        default=None, description="The evaluation recorded on the member's masterplan, its total put on this scale "
                                  "(a scheme the round names in `masterplan_schemes`)")
    year: int
    index: float


class EvaluationFigures(BaseModel):
    """A member's figures in a yearly evaluation (selection/evaluation.py says how they are formed)."""

    index: float = Field(description="The total on the scheme's scale (e.g. 0-4)", examples=[3.31])
    dimensions: dict[str, float] = Field(description="Index per dimension (top-level component), by key")
    pillars: dict[str, float] = Field(description="Index per smart-city pillar", examples=[{"governance": 3.4}])
    rank_in_province: int
    province_regions: int = Field(description="Members of the province evaluated in the round")
    previous: PreviousIndex | None = Field(description="The member's previous comparable evaluation")
    change: float | None = Field(description="Index minus the previous one (none: no comparable previous)",
                                 examples=[0.25])


class RegionResult(BaseModel):
    region_code: str
    region_name: str
    province_code: str
    island_group: str
    rank: int | None
    total: float | None
    components: dict[str, ComponentScore]
    flagged_for_moderation: bool
    selected: bool
    rule: str = Field(description="The rule that decided this region's outcome")
    pushed: str | None = Field(description="'in' or 'out' when an equity rule changed the outcome by rank")
    missing: list[MissingComponent] = Field(default_factory=list,
                                            description="Components without a value, and the rule applied to each")
    set_aside: list[int] = Field(default_factory=list, description="Assessors whose submitted scores were set aside "
                                 "for a conflict of interest (kept, not counted)")
    categories: dict[str, str | None] | None = Field(
        default=None, examples=[{"tertinggal": "tertinggal"}],
        description="The region's value of each indicator an equity rule sorts by (none: no value loaded); "
                    "absent when the round has no such rule")
    evaluation: EvaluationFigures | None = Field(default=None, description="In a yearly evaluation: index, "
                                                 "dimensions, pillars, ranks and change; absent in a selection")


class AssessorEffect(BaseModel):
    scores: int = Field(description="Counted panel scores the assessor gave")
    own_mean: float = Field(description="Their mean, 0-100 scale: above the pooled mean is lenient")
    own_sd: float = Field(description="Their spread")
    mean: float = Field(description="The mean used, drawn towards the pooled one")
    sd: float = Field(description="The spread used, drawn towards the pooled one")


class CalibrationModel(BaseModel):
    """The calibration a round's rule computed from its inputs; assessors by number (their id), never by name."""

    model: str = Field(examples=["standardise"])
    shrinkage: int
    pooled_mean: float
    pooled_sd: float
    assessors: dict[str, AssessorEffect]


class Results(BaseModel):
    round_id: int
    state: RoundState
    rubric_id: int
    rubric_code: str
    rubric_version: int
    frozen: bool = Field(description="True once finalised: the stored, immutable result")
    result_hash: str | None
    agreement_alpha: float | None = Field(description="Krippendorff's alpha (interval) over all panel scores")
    calibration: CalibrationModel | None = Field(default=None, description="Each assessor's effect, where the "
                                                 "round calibrates")
    selected_count: int
    items: list[RegionResult]


class Verification(BaseModel):
    stored_hash: str | None
    recomputed_hash: str
    equal: bool


class PublicRegionResult(BaseModel):
    region_code: str
    region_name: str
    province_code: str
    island_group: str
    rank: int | None
    total: float | None
    selected: bool
    rule: str
    pushed: str | None = None
    evaluation: EvaluationFigures | None = Field(default=None, exclude_if=lambda v: v is None,
                                                 description="In a yearly evaluation (absent in a selection)")


class AuditHead(BaseModel):
    seq: int = Field(description="Rows in the assessment audit chain at publication")
    hash: str = Field(description="The last row's hash")


class PublicPanel(BaseModel):
    """A panel as the public sees it: who sat on it by institution, never by name."""

    name: str = Field(examples=["Panel A"])
    venue: str
    starts_at: datetime
    ends_at: datetime
    institutions: list[str] = Field(examples=[["Institut Teknologi Bandung", "Universitas Indonesia"]])
    members: int
    regions: int


class Superseded(BaseModel):
    version: int
    jws_sha256: str = Field(description="SHA-256 of that version's compact JWS")


class AppealRecord(BaseModel):
    region_code: str
    region_name: str
    filed_on: date
    grounds: str
    components: list[str]
    decision: str
    decided_on: date
    reasons: str


class FragileReason(StrEnum):
    margin = "margin"
    leave_one_out = "leave_one_out"
    bootstrap = "bootstrap"
    weights = "weights"


class Probabilities(BaseModel):
    leave_one_out: float = Field(description="Share of the runs, one assessor left out each, that select it")
    bootstrap: float = Field(description="Share of the panel resamples that select it")
    weights: float = Field(description="Share of the weight draws that select it")


class DecisionRobustness(BaseModel):
    region_code: str
    region_name: str
    selected: bool = Field(description="The decision as computed")
    total: float
    margin: float | None = Field(description="Points to the cut-off: a selected region's total above the best "
                                 "region not selected; a region not selected, its total above the lowest selected "
                                 "one (negative; positive where an equity rule displaced it)")
    leave_one_out: int = Field(description="Runs, of one per assessor, that select it")
    flipped_by: list[int] = Field(description="The assessors (by number) whose absence alone reverses the decision")
    bootstrap: int = Field(description="Panel resamples that select it")
    weights: int = Field(description="Weight draws that select it")
    probability: Probabilities
    fragile: bool
    reasons: list[FragileReason] = Field(description="What makes it fragile: a probability between 0.2 and 0.8 "
                                         "in a test, or a margin below the rule's")


class ReviewIn(Strict):
    region_code: RegencyCode
    note: str = Field(min_length=10, max_length=2000, examples=[
        "Komite meninjau nilai panel dan bukti dukung; keputusan dipertahankan."],
        description="What the committee looked at and concluded")


class ReviewsIn(Strict):
    reviewed_on: date = Field(description="The day the committee reviewed them (the act's date)",
                              examples=["2019-03-07"])
    items: Annotated[list[ReviewIn], Field(min_length=1, max_length=514)]


class DecisionReview(BaseModel):
    region_code: str
    reviewed_on: date
    note: str


class Certificate(BaseModel):
    """How every decision holds when an assessor is left out, the panels are redrawn, or the weights move."""

    method: str
    rule: Robustness
    assessors: int = Field(description="Leave-one-out runs: one per assessor with counted scores")
    resamples: int
    fragile_between: list[float] = Field(examples=[[0.2, 0.8]])
    regions: list[DecisionRobustness] = Field(description="In rank order")
    fragile: list[str] = Field(description="The regions whose decision is fragile")
    reviews: list[DecisionReview] = Field(default_factory=list, description="The committee's reviews of this "
                                          "version's decisions (not recomputed: the verifier checks each fragile "
                                          "region has one)")


class CertificateView(Certificate):
    frozen: bool = Field(description="True once finalised: the certificate signed with the result")
    unreviewed: list[str] = Field(description="Fragile regions without a review: finalising answers 409 "
                                  "fragile-decisions-unreviewed while any remains")


class PublicResults(BaseModel):
    round_id: int
    year: int
    title: str
    decided_on: date | None = Field(description="The day the committee decided the result (the act's date; "
                                                "none for rounds finalised before it was kept)")
    announced_on: date | None = Field(description="The day the result was announced (the act's date)")
    signatories: list[Signatory] = Field(description="The officials who adopted the minutes")
    published_at: datetime = Field(description="When publishing was entered")
    finalised_at: datetime = Field(description="When finalising was entered")
    rubric_code: str
    rubric_version: int
    rubric_components: list[Component] = Field(description="Key, parent, kind, weight and scale of each "
                                                           "component: how totals are formed")
    quota: int
    starts_on: date
    ends_on: date
    venue: str
    panels: list[PublicPanel]
    aggregation: str = Field(examples=["mean"])
    disagreement_threshold: str = Field(examples=["15.00"])
    equity_rules: EquityRules
    tie_breakers: list[str] = Field(description="In order, after the total")
    inputs_digest: str = Field(description="SHA-256 of the canonical JSON of the inputs (`.../inputs`)")
    result_hash: str = Field(description="SHA-256 over the inputs and every region's result")
    audit_head: AuditHead | None = Field(description="The assessment audit chain's head at publication")
    items: list[PublicRegionResult]
    # A result published again after upheld appeals (version 2 on); absent from a round's first version.
    version: int | None = Field(default=None, description="The result's version, from 2 on (absent: the first)")
    republished_on: date | None = Field(default=None, description="The day the corrected result was announced")
    supersedes: Superseded | None = Field(default=None, description="The version this one replaces")
    appeals: list[AppealRecord] | None = Field(default=None, description="The appeals this version takes in")
    calibration: CalibrationModel | None = Field(default=None, description="Where the round calibrates its "
                                                 "assessors: the model's parameters, recomputed by the verifier")
    certificate: Certificate | None = Field(default=None, description="Where the round tests its decisions: the "
                                            "robustness certificate, recomputed by the verifier")
    evaluation: EvaluationRule | None = Field(default=None, description="Where the round is a yearly evaluation: "
                                              "its rule (the index's scale; schemes it compares with)")


class Selection(BaseModel):
    round_id: int
    year: int
    region_code: str
    region_code_today: CodeToday
    region_name: str
    rank: int | None
    published_at: datetime


class RoundHistory(BaseModel):
    round_id: int
    year: int
    title: str
    state: RoundState
    region_code: RecordedCode
    invitation: InvitationStatus
    attended: bool
    rank: int | None = None
    total: float | None = None
    selected: bool | None = Field(default=None, description="Known once the round is finalised")
    rule: str | None = None


class InvitationFunnelRow(BaseModel):
    """One invitation, for the programme funnel."""

    region_code: str
    region_code_today: CodeToday
    province_code: str
    island_group: str
    round_id: int
    year: int
    attended: bool
    selected: bool
    published: bool


class InvitationFunnelRows(BaseModel):
    items: list[InvitationFunnelRow]


class RegionHistory(BaseModel):
    region_code: str
    items: list[RoundHistory] = Field(description="Every round the region was invited to, oldest first")


class OpenDataResult(BaseModel):
    """One row of the published results' open data (CSV, XLSX, JSON)."""

    year: int
    round_id: int
    round_title: str
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    island_group: str
    rank: int | None
    total: float | None
    selected: bool
    rule: str
    result_hash: str
    index: float | None = Field(description="In a yearly evaluation: the member's index on the scheme's scale "
                                "(empty in a selection)")
    index_change: float | None = Field(description="In a yearly evaluation: the change from its previous "
                                       "comparable evaluation (empty where there is none)")


class InputsRound(BaseModel):
    id: int
    year: int
    quota: int
    aggregation: str = Field(examples=["mean"])
    disagreement_threshold: str = Field(examples=["15.00"])
    equity_rules: EquityRules


class InputsRubric(BaseModel):
    id: int
    code: str
    version: int
    components: list[Component]


class PublicInputs(BaseModel):
    """Everything a published result was computed from, in the order the digest covers it (rows as arrays)."""

    round: InputsRound
    rubric: InputsRubric
    candidates: list[tuple[str, str, str, str]] = Field(
        description="Each attending region: code, name, province code, island group")
    scores: list[tuple[str, str, int, str]] = Field(
        description="Each counted panel score: region code, component key, assessor (by number), value")
    self: list[tuple[str, str, str]] = Field(description="Self-assessments: region code, component key, value")
    indicators: list[tuple[str, str, str]] = Field(
        description="Indicator values taken when scoring closed: indicator code, region code, value")
    indicator_rules: dict[str, Normalisation] = Field(
        description="Per indicator, the normalisation taken from the registry's definition")
    set_aside: list[tuple[str, int, str]] = Field(
        description="Scores kept but not counted for a conflict of interest: region code, assessor, reasons")
    evidence: list[tuple[str, str, int, str]] | None = Field(default=None, description=(
        "The evidence documents the self-assessments cite: region code, component key, version, SHA-256 (absent "
        "when none was uploaded); each stays downloadable and is never deleted"))
