"""Optimistic concurrency: ETag out, If-Match in, 412 when they differ; declared once, shown in OpenAPI."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header, Response

from .errors import PreconditionFailed, PreconditionRequired

ETAG_HEADER = {"ETag": {"description": "The version you read; send it back as If-Match to change the record",
                        "schema": {"type": "string", "examples": ['"round-1-v3"']}}}
LOCATION_HEADER = {"Location": {"description": "Where the created record is read",
                                "schema": {"type": "string", "examples": ["/api/v1/assessment/rounds/1"]}}}

# RFC 9110's If-Match: `*` or entity tags, each quoted, optionally weak (W/), separated by commas.
ENTITY_TAGS = r'^(\*|(W/)?"[\x21\x23-\x7E\x80-\xFF]*"(\s*,\s*(W/)?"[\x21\x23-\x7E\x80-\xFF]*")*)$'
IfMatch = Annotated[str | None, Header(
    alias="If-Match", pattern=ENTITY_TAGS, description="Required on every update: the ETag you read, quoted as "
    "it was sent. Without it 428; when the record changed since, 412 (read it again and reapply your change); "
    "not an entity tag at all, 422.", examples=['"round-1-v3"'])]


def set_etag(response: Response, etag: str) -> None:
    response.headers["ETag"] = etag


def check_if_match(sent: str | None, current: str) -> None:
    """Writes to an existing resource must name the version they were based on."""
    if sent is None:
        raise PreconditionRequired("Send the ETag you read as If-Match, so no one else's change is lost")
    candidates = [s.strip().removeprefix("W/") for s in sent.split(",")]
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(f"The resource is now at {current}; read it again and reapply your change",
                                 extra={"current_etag": current})


def with_etag(status: int = 200, *, created: bool = False) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` entry for an answer that carries an ETag (and, when created, a Location)."""
    headers = {**ETAG_HEADER, **(LOCATION_HEADER if created else {})}
    return {status: {"headers": headers}}
