"""The events the assessment service emits, and what each event's `data` holds.

Its feed (`/api/v1/assessment/events`) carries them; the gateway delivers them to partners as webhooks and
describes each one in the merged spec's `webhooks` section from this service's own spec.
"""

from __future__ import annotations

from pydantic import Field

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


EVENTS: dict[str, type[Payload]] = {"round.published": RoundPublished, "region.selected": RegionSelected}
