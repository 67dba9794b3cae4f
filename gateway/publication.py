"""A published round's results, signed by the gateway so that anyone can check them without trusting us.

The document is the assessment service's public result (ranks, totals, decisions and their rules, rubric and
weights, quota and equity rules, the inputs' digest, the result hash and the assessment audit chain's head at
publication), signed once as a JWS with the gateway's key and kept, so every reader gets the same bytes.
`smartcity verify-results` checks it against the published JWKS and recomputes the ranking from the inputs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from jose.utils import base64url_decode
from sqlalchemy.dialects.postgresql import insert

from services.common.db import SessionDep
from services.common.errors import NotFound, problem_responses
from services.common.settings import Settings
from services.common.upstream import Upstream, UpstreamRefused

from .keys import KeyRing
from .minutes import render_minutes
from .models import SignedResult
from .proxy import rate_limited
from .roles import Anyone

router = APIRouter(dependencies=[Depends(rate_limited)])
# The JWS `typ`: a signed result can never pass for an access token (and a token never for a result).
RESULTS_TYPE = "smartcity-selection+jws"
RoundId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]  # as the assessment service takes it


async def signed_document(request: Request, session: SessionDep, round_id: int) -> SignedResult:
    stored = await session.get(SignedResult, round_id)
    if stored is not None:
        return stored
    try:
        document = await Upstream(request, "assessment").call(
            "GET", f"/api/v1/assessment/public/rounds/{round_id}/results")
    except UpstreamRefused as exc:
        if exc.status_code == 404:
            raise NotFound(f"Round {round_id} has no published results") from None
        raise
    settings: Settings = request.app.state.settings
    ring: KeyRing = request.app.state.ring
    payload = {"iss": settings.jwt_issuer, "iat": int(time.time()), "sub": f"round:{round_id}", "results": document}
    await session.execute(insert(SignedResult).values(
        round_id=round_id, kid=ring.current.kid, jws=ring.sign_document(payload, RESULTS_TYPE),
    ).on_conflict_do_nothing())  # two first readers at once: one document is kept, both get it
    stored = await session.get(SignedResult, round_id, populate_existing=True)
    assert stored is not None
    return stored


@router.get("/api/v1/assessment/public/rounds/{round_id}/signed-results",
            operation_id="assessment_public_signed_results_get", tags=["public"],
            summary="A published round's results, signed by the gateway (JWS, compact)",
            description="Verify with the keys at `/.well-known/jwks.json` (the header names the `kid`; keys rotated "
                        "out stay published). The payload's `results` is the public result with the rubric, "
                        "weights, quota, equity rules, tie-breakers, `inputs_digest`, `result_hash` and the "
                        "assessment audit chain's head at publication. Signed on first request, then the same "
                        "bytes for everyone.",
            response_class=Response,
            responses={200: {"content": {"application/jose": {"schema": {"type": "string"}}}},
                       **problem_responses(404, 422, 502, 503)})
async def signed_results(round_id: RoundId, request: Request, session: SessionDep, _: Anyone) -> Response:
    stored = await signed_document(request, session, round_id)
    return Response(stored.jws, media_type="application/jose",
                    headers={"Cache-Control": "public, max-age=3600", "X-Key-Id": stored.kid})


@router.get("/api/v1/assessment/public/rounds/{round_id}/minutes", operation_id="assessment_public_minutes_get",
            tags=["public"], summary="The minutes (berita acara) of the decision, as a PDF in Indonesian",
            description="The public copy, made from the signed result: round, dates, venue, quota and rules, "
                        "rubric and weights, panels by institution (no assessor names), the ranked table with "
                        "each decision and its rule, the signed document's digest, and a QR code to it.",
            response_class=Response,
            responses={200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
                       **problem_responses(404, 422, 502, 503)})
async def minutes(round_id: RoundId, request: Request, session: SessionDep, _: Anyone) -> Response:
    stored = await signed_document(request, session, round_id)
    document = json.loads(base64url_decode(stored.jws.split(".")[1].encode()))["results"]
    settings: Settings = request.app.state.settings
    verify_url = f"{settings.public_url}/api/v1/assessment/public/rounds/{round_id}/signed-results"
    # Rendering a 514-region table takes a while: off the event loop.
    pdf = await asyncio.to_thread(render_minutes, document, kid=stored.kid, verify_url=verify_url,
                                  jws_digest=hashlib.sha256(stored.jws.encode()).hexdigest())
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": "public, max-age=3600",
        "Content-Disposition": f'inline; filename="berita-acara-gm100-{document["year"]}-{round_id}.pdf"'})
