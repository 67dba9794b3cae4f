"""The events the regions service emits, and what each event's `data` holds.

Its feed (`/api/v1/regions/events`) carries them; the gateway delivers them to partners as webhooks and
describes each one in the merged spec's `webhooks` section from this service's own spec.
"""

from __future__ import annotations

from datetime import date, datetime

from pydantic import Field

from services.common.events import Payload


class HeadTermCreated(Payload):
    """A regional head's term was entered in the registry (Kemendagri)."""

    id: int
    region_code: str = Field(examples=["21.72"])
    head_name: str
    title: str = Field(examples=["walikota"])
    start_date: date = Field(description="When the term began")
    end_date: date | None = None
    recorded_at: datetime


class IndicatorValuesLoaded(Payload):
    """A ministry loaded values of an indicator (all or nothing)."""

    indicator_code: str = Field(examples=["population"])
    received: int
    created: int
    corrected: int
    unchanged: int
    years: list[int]


EVENTS: dict[str, type[Payload]] = {"head_term.created": HeadTermCreated,
                                    "indicator_values.loaded": IndicatorValuesLoaded}
