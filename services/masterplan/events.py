"""The events the masterplan service emits, and what each event's `data` holds.

Its feed (`/api/v1/masterplan/events`) carries them; the gateway delivers them to partners as webhooks and
describes each one in the merged spec's `webhooks` section from this service's own spec.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.common.documents.schemas import DocumentStored
from services.common.events import Payload
from services.common.schemas import CodeToday, RecordedCode


class MouSigned(Payload):
    """An MoU was signed with a selected region."""

    id: int
    region_code: RecordedCode
    region_code_today: CodeToday
    region_name: str
    round_id: int
    cohort_year: int
    signed_on: date
    place: str
    document_ref: str
    recorded_at: datetime


class MouAmended(MouSigned):
    """An MoU was amended, with the date the amendment was agreed and its reason."""

    amended_on: date | None
    amendment_reason: str | None


class MasterplanApproved(Payload):
    """A masterplan version was approved by Perbup/Perwali."""

    masterplan_id: int
    region_code: str
    version: int
    start_year: int
    end_year: int
    legal_basis: str | None
    approved_on: date


class MasterplanFlagged(Payload):
    """A new head took office after the plan's approval: the plan needs reconfirmation."""

    masterplan_id: int
    version: int
    reason: str
    took_office_on: date


class MasterplanReconfirmed(Payload):
    masterplan_id: int
    note: str | None
    reconfirmed_on: date


class ProgressReported(Payload):
    """A region reported progress on one programme for a period (the report's values follow)."""

    masterplan_id: int
    programme_key: str
    period: str = Field(examples=["2019-Q3"])


EVENTS: dict[str, type[Payload]] = {
    "mou.signed": MouSigned, "mou.amended": MouAmended, "masterplan.approved": MasterplanApproved,
    "masterplan.flagged": MasterplanFlagged, "masterplan.reconfirmed": MasterplanReconfirmed,
    "progress.reported": ProgressReported, "document.stored": DocumentStored,
}
