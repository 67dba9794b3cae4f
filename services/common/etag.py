"""Optimistic concurrency: ETag out, If-Match in, 412 when they differ."""

from __future__ import annotations

from fastapi import Request, Response

from .errors import PreconditionFailed, PreconditionRequired


def etag_for(kind: str, key: object, version: int) -> str:
    return f'"{kind}-{key}-v{version}"'


def set_etag(response: Response, etag: str) -> None:
    response.headers["ETag"] = etag


def check_if_match(request: Request, current: str) -> None:
    """Writes to an existing resource must name the version they were based on."""
    sent = request.headers.get("if-match")
    if sent is None:
        raise PreconditionRequired("Send the ETag you read as If-Match, so no one else's change is lost")
    candidates = [s.strip().removeprefix("W/") for s in sent.split(",")]
    if "*" not in candidates and current not in candidates:
        raise PreconditionFailed(f"The resource is now at {current}; read it again and reapply your change",
                                 extra={"current_etag": current})
