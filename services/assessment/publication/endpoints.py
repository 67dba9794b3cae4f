"""A published round's signed result, its minutes and an evaluation's letters, open to everyone."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import Query, Request, Response

from services.common.auth import Public
from services.common.db import SessionDep, TransactionDep
from services.common.errors import problem_responses as ERR
from services.common.routing import contract_router
from services.common.schemas import RegencyCodePath

from ..appeals.schemas import ResultVersion
from ..auth import Officer
from ..deps import LockedRound, RoundId
from ..exceptions import ActDateOrder, LetterNumbered, RoundStateForbids
from ..models import records
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", tags=["public"])
Version = Annotated[int | None, Query(ge=1, le=10_000, description="A result version; default the current one")]


def _kept_for(version: int | None) -> str:
    """A named version never changes; "the current one" changes when appeals are taken in, so caches keep it
    a minute only."""
    return "public, max-age=31536000, immutable" if version else "public, max-age=60"


@router.get("/public/rounds/{round_id}/signed-results", operation_id="assessment_public_signed_results_get",
            summary="A published round's results, signed by the gateway's key (JWS, compact)",
            description="Verify with the keys at `/.well-known/jwks.json` (the header names the `kid`; keys rotated "
                        "out stay published). The payload's `results` is the public result with the rubric, "
                        "weights, quota, equity rules, tie-breakers, `inputs_digest`, `result_hash` and the "
                        "assessment audit chain's head at publication. Signed on first request, then the same "
                        "bytes for everyone. A result published again after appeals is a new version (`version`, "
                        "`supersedes`, `appeals` in the payload); `?version=N` names one (cached for good), "
                        "without it the current one (cached a minute).",
            response_class=Response,
            responses={200: {"content": {"application/jose": {
                "schema": {"type": "string", "description": "header.payload.signature, each base64url"},
                "example": "eyJhbGciOiJFUzI1NiIsImtpZCI6ImRldi0yMDI2LTExIiwidHlwIjoic21hcnRjaXR5LXNlbGVjdGlvbitqd3Mi"
                           "fQ.eyJyZXN1bHRzIjp7InJvdW5kX2lkIjo3fX0.MEUCIQ"}}},
                       **ERR(404, 422, 502, 503)})
async def signed_results(round_id: RoundId, request: Request, session: TransactionDep, _: Public,
                         version: Version = None) -> Response:
    stored = await service.signed_result(session, request.app.state.upstreams, request.app.state.settings, round_id,
                                         version)
    return Response(stored.jws, media_type="application/jose",
                    headers={"Cache-Control": _kept_for(version), "X-Key-Id": stored.kid})


PDF = {200: {"content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}}},
       **ERR(404, 422, 502, 503)}


def _pdf(pdf: bytes, version: int | None, filename: str) -> Response:
    """A document made from a signed result, cached as long as that result stays what it is."""
    return Response(pdf, media_type="application/pdf", headers={
        "Cache-Control": _kept_for(version), "Content-Disposition": f'inline; filename="{filename}"'})


@router.get("/public/rounds/{round_id}/minutes", operation_id="assessment_public_minutes_get",
            summary="The minutes (berita acara) of the decision, as a PDF in Indonesian",
            description="The public copy, made from the signed result: round, dates, venue, quota and rules, "
                        "rubric and weights, panels by institution (no assessor names), the ranked table with "
                        "each decision and its rule, the signed document's digest, and a QR code to it.",
            response_class=Response, responses=PDF)
async def minutes(round_id: RoundId, request: Request, session: TransactionDep, _: Public,
                  version: Version = None) -> Response:
    stored = await service.signed_result(session, request.app.state.upstreams, request.app.state.settings, round_id,
                                         version)
    # Rendering a 514-region table takes a while: off the event loop.
    pdf, document = await asyncio.to_thread(service.minutes_pdf, stored, request.app.state.settings)
    return _pdf(pdf, version, f"berita-acara-gm100-{document['year']}-{round_id}-v{stored.version}.pdf")


@router.get("/public/rounds/{round_id}/letters/{region_code}", operation_id="assessment_public_letter_get",
            summary="A member's result letter of a yearly evaluation, as a PDF in Indonesian",
            description="Made from the signed result (`?version=N` for an earlier one): the member's index, its "
                        "change from the previous comparable evaluation, its ranks in the province and the country, "
                        "its index per dimension and per pillar, signed by the first official who adopted the "
                        "minutes, with the signed document's digest and a QR code to it; numbered and dated as the "
                        "ministry's registry gave it (`letter-numbers`), else by the system's reference, and then "
                        "kept by caches a minute only. 404 outside an evaluation.",
            response_class=Response, responses=PDF)
async def letter(round_id: RoundId, region_code: RegencyCodePath, request: Request, session: TransactionDep,
                 _: Public, version: Version = None) -> Response:
    stored = await service.signed_result(session, request.app.state.upstreams, request.app.state.settings, round_id,
                                         version)
    numbered = await service.letter_number(session, stored, region_code)
    pdf, document = await asyncio.to_thread(service.letter_pdf, stored, region_code, request.app.state.settings,
                                            numbered)
    # A letter without its agenda number yet changes when the registry gives it: kept a minute only.
    return _pdf(pdf, version if numbered else None,
                f"surat-hasil-evaluasi-{document['year']}-{region_code}-v{stored.version}.pdf")


@router.get("/public/rounds/{round_id}/signed-results/versions", operation_id="assessment_public_result_versions_list",
            summary="The versions of a published round's result: which is current, which superseded",
            description="Version 1 is the result as announced; each later one took upheld appeals in. Every version "
                        "stays verifiable (`signed-results?version=N` with `inputs?version=N`); `smartcity "
                        "verify-results --versions` tells which one a file is.", responses=ERR(404, 422))
async def result_versions(round_id: RoundId, session: SessionDep, _: Public) -> list[ResultVersion]:
    return [ResultVersion.model_validate(v) for v in await service.versions(session, round_id)]


@router.post("/rounds/{round_id}/letter-numbers", operation_id="assessment_letter_numbers_create", tags=["results"],
             status_code=201, summary="Record the agenda numbers and date the ministry gave the members' letters",
             description="For a published evaluation: each member letter of a result version (default the current "
                         "one) gets the number the ministry's registry gave it and the letter's date, which the "
                         "letter then carries. Given once per letter and version, all or none; a number names one "
                         "letter only. Audited.",
             responses=ERR(404, 409, 422, ActDateOrder, LetterNumbered, RoundStateForbids))
async def number_letters(round_: LockedRound, body: schemas.LetterNumbersIn, request: Request, session: SessionDep,
                         actor: Officer) -> list[schemas.LetterNumber]:
    return await service.number_letters(session, request.app.state.upstreams, request.app.state.settings, round_,
                                        body, actor)
