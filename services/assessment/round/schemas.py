"""Round, transition and invitation models."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.schemas import (
    ORM,
    CodeToday,
    IslandGroup,
    IsoDate,
    Omittable,
    Patch,
    RecordedCode,
    RegencyCode,
    Signatory,
    Strict,
)

from ..types import Calibration, EquityRules, EvaluationRule, InvitationStatus, Robustness, RoundState


class Aggregation(StrEnum):
    mean = "mean"
    median = "median"


class RoundIn(Strict):
    year: int = Field(ge=2017, le=2100, examples=[2019])
    title: str = Field(min_length=3, max_length=200, examples=["Gerakan Menuju 100 Smart City 2019"])
    quota: int = Field(ge=1, le=514, examples=[25], description="Places a selection fills (an evaluation fills "
                       "none: give the number of members)")
    starts_on: date = Field(examples=["2019-02-21"])
    ends_on: date = Field(examples=["2019-02-22"])
    venue: str = Field(min_length=2, max_length=200, examples=["Pustiknas, Tangerang Selatan"])
    rubric_id: int = Field(ge=1)
    equity_rules: EquityRules = Field(default_factory=EquityRules)
    aggregation: Aggregation = Aggregation.mean
    calibration: Calibration | None = Field(default=None, description="Put each assessor's scores on a common "
                                            "footing before averaging (none: averaged as given)")
    robustness: Robustness | None = Field(default=None, description="Test every decision before finalising; "
                                          "fragile ones need the committee's review (none: not tested)")
    evaluation: EvaluationRule | None = Field(default=None, description="The round is a yearly evaluation of "
                                              "members: indices and ranks, nobody selected (none: a selection)")
    disagreement_threshold: Decimal = Field(default=Decimal(15), ge=0, le=100, max_digits=6, decimal_places=2,
                                            description="Standard deviation (0-100 scale) above which a region "
                                                        "is flagged for moderation")

    @model_validator(mode="after")
    def _check(self) -> RoundIn:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        self.equity_rules.check_minimums(self.quota)
        return self


class RoundPatch(Patch):
    title: Omittable[Annotated[str, Field(min_length=3, max_length=200)]] = None
    quota: Omittable[Annotated[int, Field(ge=1, le=514)]] = None
    starts_on: Omittable[date] = None
    ends_on: Omittable[date] = None
    venue: Omittable[Annotated[str, Field(min_length=2, max_length=200)]] = None
    equity_rules: Omittable[EquityRules] = None
    aggregation: Omittable[Aggregation] = None
    calibration: Omittable[Calibration | None] = None
    robustness: Omittable[Robustness | None] = None
    evaluation: Omittable[EvaluationRule | None] = None
    disagreement_threshold: Omittable[Annotated[Decimal, Field(ge=0, le=100, max_digits=6, decimal_places=2)]] = None


class Round(ORM):
    id: int
    year: int
    title: str
    quota: int
    starts_on: date
    ends_on: date
    venue: str
    rubric_id: int
    equity_rules: EquityRules
    aggregation: Aggregation
    calibration: Calibration | None = None
    robustness: Robustness | None = None
    evaluation: EvaluationRule | None = None
    disagreement_threshold: Decimal
    state: RoundState
    result_hash: str | None
    finalised_at: datetime | None = Field(description="When finalising was entered")
    published_at: datetime | None = Field(description="When publishing was entered")
    decided_on: date | None = Field(default=None, description="The day the committee decided the result")
    announced_on: date | None = Field(default=None, description="The day the result was announced")


class Transition(Strict):
    """Finalising and publishing are acts of the selection committee: their dates (not when they were
    entered) and, for publishing, the officials who adopt the minutes are given here and signed with the result."""

    model_config = ConfigDict(json_schema_extra={"examples": [
        {"to": "finalised", "decided_on": "2019-03-08"},
        {"to": "published", "announced_on": "2019-03-20", "signatories": [
            {"name": "Ir. Septriana Tangkary, MM", "title": "Direktur Pemberdayaan Informatika",
             "organisation": "Kementerian Komunikasi dan Informatika", "nip": "196509241993032001"}]}]})

    to: RoundState
    decided_on: IsoDate | None = Field(default=None, description="Finalising: the day the committee decided the "
                                                                 "result (required then, refused otherwise)")
    announced_on: IsoDate | None = Field(default=None, description="Publishing: the day the result was announced "
                                                                   "(required then, refused otherwise)")
    signatories: list[Signatory] | None = Field(
        default=None, min_length=1, max_length=6,
        description="Publishing: the officials who adopt the minutes, printed in its signature block (required "
                    "then, refused otherwise). Never the assessors.")

    @model_validator(mode="after")
    def _acts(self) -> Transition:
        wanted = {RoundState.finalised: {"decided_on"}, RoundState.published: {"announced_on", "signatories"}}
        needs = wanted.get(self.to, set())
        given = {k for k in ("decided_on", "announced_on", "signatories") if getattr(self, k) is not None}
        if needs - given:
            raise ValueError(f"becoming {self.to.value} needs {', '.join(sorted(needs - given))}")
        if given - needs:
            raise ValueError(f"{', '.join(sorted(given - needs))} belong to another transition")
        return self


class InvitationFilter(Strict):
    type: str | None = Field(default=None, pattern="^(kabupaten|kota)$")
    province: str | None = Field(default=None, pattern=r"^\d{2}$")
    island_group: IslandGroup | None = None
    indicator: str | None = Field(default=None, pattern=r"^[a-z0-9_]{2,40}$", examples=["kkd"])
    indicator_year: int | None = Field(default=None, ge=2000, le=2100)
    indicator_values: list[str] | None = Field(default=None, max_length=20, examples=[["tinggi"]])
    cohort: int | None = Field(default=None, ge=2017, le=2100, examples=[2017],
                               description="Members selected in the published selections of that year (by today's "
                                           "codes): the cohort an evaluation invites")


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


class Invitation(ORM):
    region_code: RecordedCode = Field(description="The region's code on the round's first day")
    region_code_today: CodeToday
    region_name: str
    province_code: str
    island_group: str
    status: InvitationStatus
    answered_on: date | None = Field(description="When the region answered")
    answer_recorded_at: datetime | None = Field(description="When the answer was entered")
    answered_late: bool = Field(description="Dated after the round's deadline, accepted as its rule says")
    contact_email: str | None = Field(description="The region's contact for the round, where reminders go")
    attended: bool
    attended_on: date | None = Field(description="When the region presented")
    attendance_recorded_at: datetime | None
    reinvite_reason: str | None
    withdrawn_on: date | None
    withdrawal_reason: str | None


# An address a relay accepts: one @, no spaces or angle brackets (the relay and the mailbox judge the rest).
EMAIL = r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$"


class Answer(StrEnum):
    accepted = "accepted"
    declined = "declined"


class InvitationAnswer(Strict):
    status: Answer | None = Field(default=None, description="The region's answer (pemda or Kominfo)")
    answered_on: date | None = Field(default=None, description="When the region answered; default today (WIB). "
                                     "After the round's invitation_answer deadline it is refused (409 "
                                     "deadline-passed) or marked late, as the deadline's rule says",
                                     examples=["2019-02-11"])
    contact_email: str | None = Field(default=None, max_length=254, pattern=EMAIL,
                                      description="The region's contact for the round (its reminders go there)",
                                      examples=["diskominfo@tanjungpinangkota.go.id"])
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
