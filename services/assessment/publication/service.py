"""The signed result of a published round: signed once by the gateway's key and kept, the same bytes for all."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from jose.utils import base64url_decode
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.common.settings import Settings
from services.common.upstream import Upstreams

from ..models import SignedResult
from ..selection.service import public_results
from .minutes import render_minutes

# The JWS `typ`: a signed result can never pass for an access token (and a token never for a result).
RESULTS_TYPE = "smartcity-selection+jws"


async def signed_result(session: AsyncSession, upstreams: Upstreams, settings: Settings,
                        round_id: int) -> SignedResult:
    stored = await session.get(SignedResult, round_id)
    if stored is not None:
        return stored
    document = (await public_results(session, round_id)).model_dump(mode="json")
    signed = await upstreams.call("gateway", "POST", "/internal/signatures",
                                  headers={"x-service-key": settings.resolved_service_key()},
                                  json_body={"type": RESULTS_TYPE, "subject": f"round:{round_id}",
                                             "member": "results", "content": document})
    await session.execute(insert(SignedResult).values(round_id=round_id, kid=signed["kid"], jws=signed["jws"])
                          .on_conflict_do_nothing())  # two first readers at once: one document is kept, both get it
    stored = await session.get(SignedResult, round_id, populate_existing=True)
    assert stored is not None
    return stored


def signed_content(stored: SignedResult) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads(base64url_decode(stored.jws.split(".")[1].encode()))
    return dict(payload["results"])


def minutes_pdf(stored: SignedResult, settings: Settings) -> tuple[bytes, dict[str, Any]]:
    """The berita acara, from the signed document alone."""
    document = signed_content(stored)
    verify_url = f"{settings.public_url}/api/v1/assessment/public/rounds/{stored.round_id}/signed-results"
    pdf = render_minutes(document, kid=stored.kid, verify_url=verify_url,
                         jws_digest=hashlib.sha256(stored.jws.encode()).hexdigest())
    return pdf, document
