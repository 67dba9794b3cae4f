"""A round's dates as data: what is due when, what happens to a late act, when regions are reminded."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, model_validator

from services.common.schemas import CodeToday, RecordedCode, Strict


class DeadlineKind(StrEnum):
    invitation_answer = "invitation_answer"
    self_assessment = "self_assessment"
    interviews = "interviews"
    announcement = "announcement"
    appeal = "appeal"


# The acts a region submits, whose lateness a rule settles; the others are the programme's own dates.
SUBMISSIONS = (DeadlineKind.invitation_answer, DeadlineKind.self_assessment)
# The order the dates of a round follow.
ORDER = list(DeadlineKind)
LABELS_ID = {DeadlineKind.invitation_answer: "jawaban undangan", DeadlineKind.self_assessment: "penilaian mandiri "
             "dan bukti dukung", DeadlineKind.interviews: "wawancara", DeadlineKind.announcement: "pengumuman hasil",
             DeadlineKind.appeal: "masa sanggahan"}


class LateRule(StrEnum):
    refuse = "refuse"
    accept_marked = "accept_marked"


class DeadlineIn(Strict):
    kind: DeadlineKind
    opens_on: date | None = Field(default=None, description="When the period begins (interviews, the appeal "
                                  "window); none for a plain due date", examples=["2019-02-18"])
    due_on: date = Field(description="The last day (inclusive) of the act or period, a date in WIB",
                         examples=["2019-02-22"])
    late: LateRule = Field(default=LateRule.refuse, description="For a region's submissions (invitation_answer, "
                           "self_assessment): an act dated after due_on is refused (409 deadline-passed) or "
                           "accepted and marked late")
    remind_days_before: list[int] = Field(default_factory=list, max_length=5, examples=[[7, 1]],
                                          description="Regions that still owe the act are reminded this many days "
                                                      "before due_on, once each")

    @model_validator(mode="after")
    def _consistent(self) -> DeadlineIn:
        if self.opens_on is not None and self.opens_on > self.due_on:
            raise ValueError("opens_on is after due_on")
        if any(d < 0 or d > 60 for d in self.remind_days_before) or len(set(self.remind_days_before)) != len(
                self.remind_days_before):
            raise ValueError("remind_days_before holds distinct whole days from 0 to 60")
        if self.remind_days_before and self.kind not in SUBMISSIONS:
            raise ValueError("reminders are for a region's submissions (invitation_answer, self_assessment)")
        return self


class DeadlinesIn(Strict):
    items: list[DeadlineIn] = Field(max_length=len(DeadlineKind))

    @model_validator(mode="after")
    def _in_order(self) -> DeadlinesIn:
        kinds = [d.kind for d in self.items]
        if len(kinds) != len(set(kinds)):
            raise ValueError("each kind of deadline appears once")
        dated = sorted(self.items, key=lambda d: ORDER.index(d.kind))
        for earlier, later in zip(dated, dated[1:], strict=False):
            if later.due_on < earlier.due_on:
                raise ValueError(f"{later.kind.value} is due before {earlier.kind.value}")
        return self


class Deadline(DeadlineIn):
    model_config = ConfigDict(from_attributes=True)

    set_by: str
    set_at: datetime


class Overdue(BaseModel):
    region_code: RecordedCode | None = Field(description="None for the round's own acts (the announcement)")
    region_code_today: CodeToday | None
    region_name: str | None
    kind: DeadlineKind
    due_on: date
    days_overdue: int = Field(ge=1)


class Reminder(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: DeadlineKind
    region_code: RecordedCode
    region_code_today: CodeToday
    due_on: date
    days_before: int
    reminded_on: date = Field(description="The day the reminder was due, as the run was told")
    to_address: str | None = Field(description="The region's contact for the round, when it gave one")
    mail_state: str = Field(description="pending, sending, sent, failed (never retried: at most once), "
                                        "no_address or no_relay", examples=["sent"])
    mail_error: str | None
    created_at: datetime
    sent_at: datetime | None


class RemindersRun(Strict):
    on: date = Field(description="The day the reminders are for (WIB); a scheduler sends today's",
                     examples=["2019-02-15"])


class RemindersRunResult(BaseModel):
    created: list[Reminder] = Field(description="Reminders due that day and not given before, each now an event "
                                                "(and a webhook) and an e-mail on its way")
    already_given: int = Field(description="Due reminders given by an earlier run: none is given twice")
