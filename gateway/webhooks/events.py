"""Which service's feed each event type comes from, and what each event's `data` holds.

The payload models are what the merged OpenAPI document's `webhooks` section shows partners (one per
event type); services may add fields over time, so each model allows more than it names.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SOURCES = {"regions": "/api/v1/regions/events", "assessment": "/api/v1/assessment/events",
           "masterplan": "/api/v1/masterplan/events"}


class Payload(BaseModel):
    model_config = ConfigDict(extra="allow")


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
    region_code: str
    region_name: str
    rank: int


class MouSigned(Payload):
    """An MoU was signed with a selected region."""

    id: int
    region_code: str
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


# event type -> (source service, what `data` holds)
EVENTS: dict[str, tuple[str, type[Payload]]] = {
    "head_term.created": ("regions", HeadTermCreated),
    "indicator_values.loaded": ("regions", IndicatorValuesLoaded),
    "round.published": ("assessment", RoundPublished),
    "region.selected": ("assessment", RegionSelected),
    "mou.signed": ("masterplan", MouSigned),
    "mou.amended": ("masterplan", MouAmended),
    "masterplan.approved": ("masterplan", MasterplanApproved),
    "masterplan.flagged": ("masterplan", MasterplanFlagged),
    "masterplan.reconfirmed": ("masterplan", MasterplanReconfirmed),
    "progress.reported": ("masterplan", ProgressReported),
}
EVENT_TYPES = {name: source for name, (source, _) in EVENTS.items()}

SIGNATURE_HEADERS = [
    {"name": "webhook-id", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "The event's id, the same on every retry (Standard Webhooks)"},
    {"name": "webhook-timestamp", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "Unix seconds when this attempt was signed"},
    {"name": "webhook-signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`v1,<base64 HMAC-SHA256 of \"<id>.<timestamp>.<body>\">`; check it with a Standard Webhooks "
                    "library and the subscription's `standard_webhooks_secret`"},
    {"name": "X-Smartcity-Signature", "in": "header", "required": True, "schema": {"type": "string"},
     "description": "`t=<unix>,v1=<hex HMAC-SHA256 of \"<t>.<body>\">` with the subscription's `secret`"},
]


def webhooks_section(schemas: dict[str, Any]) -> dict[str, Any]:
    """OpenAPI 3.1 `webhooks`: one POST per event type, its body the delivery envelope around that event's data.
    Adds the payload schemas to `schemas` (components)."""
    out = {}
    for name, (_, model) in EVENTS.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        for nested, definition in schema.pop("$defs", {}).items():
            schemas.setdefault(nested, definition)
        component = f"Webhook{model.__name__}"
        schemas[component] = schema
        out[name] = {"post": {
            "operationId": f"webhooks_{name.replace('.', '_')}_deliver", "tags": ["webhooks"],
            "summary": (model.__doc__ or name).strip().splitlines()[0],
            "parameters": SIGNATURE_HEADERS,
            "requestBody": {"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["id", "type", "subject", "created_at", "data"],
                "properties": {
                    "id": {"type": "string", "examples": ["assessment:42"],
                           "description": "Unique per event: de-duplicate by it"},
                    "type": {"type": "string", "const": name},
                    "subject": {"type": "string", "description": "What the event is about, e.g. a region code"},
                    "created_at": {"type": "string", "format": "date-time"},
                    "data": {"$ref": f"#/components/schemas/{component}"}}}}}},
            "responses": {"2XX": {"description": "Received; any other answer (or none in 5 s) is retried with "
                                                 "exponential backoff for 24 hours"}}}}
    return out
