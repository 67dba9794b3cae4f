"""The events the assessment service emits, and what each event's `data` holds.

Its feed (`/api/v1/assessment/events`) carries them; the gateway delivers them to partners as webhooks and
describes each one in the merged spec's `webhooks` section from this service's own spec.
"""

from __future__ import annotations

from datetime import date

from pydantic import Field

from services.common.documents.schemas import DocumentStored
from services.common.events import Payload
from services.common.schemas import CodeToday, RecordedCode


class RoundPublished(Payload):
    """A round's results were published."""

    round_id: int
    year: int
    title: str
    quota: int
    result_hash: str
    selected: list[str] = Field(description="Region codes selected, ascending")


class RegionSelected(Payload):
    """One region was selected in a published round (one event per region)."""

    round_id: int
    year: int
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    rank: int


class DeadlineReminder(Payload):
    """A region still owes an act whose deadline is near (once per deadline, region and reminder)."""

    round_id: int
    round_title: str
    kind: str = Field(examples=["self_assessment"])
    region_code: RecordedCode
    region_code_today: CodeToday
    due_on: date
    days_before: int
    reminded_on: date


class AppealFiled(Payload):
    """A region appealed a published result (grounds and reasons are in the appeal itself, not the event)."""

    id: int
    round_id: int
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    filed_on: date
    components: list[str]
    state: str = Field(examples=["filed"])
    decided_on: date | None


class AppealDecided(AppealFiled):
    """An appeal was upheld or rejected."""


class RoundRepublished(Payload):
    """Upheld appeals were taken in: the result is published again as a new version, superseding the last."""

    round_id: int
    version: int
    republished_on: date
    result_hash: str
    selected: list[str]
    no_longer_selected: list[str]


EVENTS: dict[str, type[Payload]] = {"round.published": RoundPublished, "region.selected": RegionSelected,
                                    "deadline.reminder": DeadlineReminder, "appeal.filed": AppealFiled,
                                    "appeal.decided": AppealDecided, "round.republished": RoundRepublished,
                                    "assessment_document.stored": DocumentStored}
