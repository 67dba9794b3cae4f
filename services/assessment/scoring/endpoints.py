"""Scoring, score sheet, moderation and self-assessment operations."""

from __future__ import annotations

from fastapi import Depends, Request, Response, status

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.documents.endpoints import Store
from services.common.documents.schemas import Document, DocumentUpload
from services.common.errors import PayloadTooLarge, UnsupportedMediaType
from services.common.errors import problem_responses as ERR
from services.common.routing import contract_router, no_if_match

from ..auth import AssessorOnly, Officer, ReaderOrAssessor, RegionParty, RegionWriter
from ..deps import CurrentRound, LockedRound, Me, RoundRegionCode
from ..exceptions import (
    ComponentNotReopened,
    ConflictOfInterest,
    RoundFrozen,
    RoundStateForbids,
    ScoresAlreadySubmitted,
    ScoresIncomplete,
)
from ..models import records
from ..round.service import get_invitation
from . import schemas, service, sheets

router = contract_router(records, prefix="/api/v1/assessment", dependencies=[Depends(region_scope)])
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
OCTET = "application/octet-stream"
BINARY = {"schema": {"type": "string", "format": "binary"}}
DRAFT = no_if_match("The assessor's own draft, seen by no one else until submitted; submitted scores never change")


@router.put("/rounds/{round_id}/scores/{region_code}", operation_id="assessment_scores_save", tags=["scoring"],
            openapi_extra=DRAFT,
            status_code=status.HTTP_204_NO_CONTENT, summary="Save your scores for a region (until you submit)",
            description="Only for a region your panel hears, with no conflict of interest (409 "
                        "conflict-of-interest), and not yet submitted (409 scores-already-submitted).",
            responses=ERR(404, 409, 422, RoundFrozen, RoundStateForbids, ConflictOfInterest, ScoresAlreadySubmitted))
async def save_scores(round_: CurrentRound, region_code: RoundRegionCode, body: schemas.ScoreSheetIn,
                      session: SessionDep, me: Me, actor: AssessorOnly) -> Response:
    await service.save_scores(session, round_, region_code, body, me, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/scores/{region_code}/submit", operation_id="assessment_scores_submit",
             tags=["scoring"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Submit your scores: they lock, and you may now see the others'",
             description="Every panel component must be scored first.",
             responses=ERR(404, 409, 422, ScoresIncomplete, RoundFrozen, RoundStateForbids, ConflictOfInterest,
                           ScoresAlreadySubmitted))
async def submit_scores(round_: CurrentRound, region_code: RoundRegionCode, session: SessionDep, me: Me,
                        actor: AssessorOnly) -> Response:
    await service.submit_scores(session, round_, region_code, me, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/score-sheets", operation_id="assessment_score_sheets_save", tags=["scoring"],
             summary="Save (and optionally submit) your scores for several regions at once",
             description="All or nothing: each region is checked as a single save is (assigned to you, no conflict "
                         "of interest, not yet submitted, values on the scale); the 422 names each problem.",
             responses=ERR(404, 409, 422, ScoresIncomplete, RoundFrozen, RoundStateForbids))
async def save_score_sheets(round_: CurrentRound, body: schemas.ScoreSheetsIn, session: SessionDep, me: Me,
                            actor: AssessorOnly) -> schemas.ScoreSheetsResult:
    return await service.save_score_sheets(session, round_, body, me, actor)


@router.get("/rounds/{round_id}/score-sheets/xlsx", operation_id="assessment_score_sheets_download",
            tags=["scoring"], summary="Your score sheet as an Excel workbook, to fill offline",
            description="One row per assigned region and panel component, with the scale; your saved values are "
                        "filled in. A second sheet lists each component's level descriptions.",
            response_class=Response, responses={200: {"content": {XLSX: BINARY}}, **ERR(404, 422)})
async def download_score_sheet(round_: CurrentRound, session: SessionDep, me: Me) -> Response:
    content = await sheets.workbook_for(session, round_, me)
    return Response(content, media_type=XLSX, headers={
        "Content-Disposition": f'attachment; filename="lembar-nilai-putaran-{round_.id}.xlsx"'})


@router.put("/rounds/{round_id}/score-sheets/xlsx", operation_id="assessment_score_sheets_upload", tags=["scoring"],
            summary="Upload the filled Excel score sheet (all or nothing, errors by cell)",
            description="Send the workbook as the body (Content-Type: the XLSX media type). Every cell is checked "
                        "first; a 422 names each bad cell (e.g. `['Nilai', 'G7']`) and nothing is saved. Then it "
                        "is saved exactly as through the API: blind, audited, and with `submit=true` locked.",
            openapi_extra={**DRAFT, "requestBody": {"required": True, "content": {XLSX: BINARY, OCTET: BINARY}}},
            responses=ERR(404, 409, 413, 415, 422, ScoresIncomplete, RoundFrozen, RoundStateForbids))
async def upload_score_sheet(round_: CurrentRound, request: Request, session: SessionDep, me: Me,
                             actor: AssessorOnly, submit: bool = False) -> schemas.ScoreSheetsResult:
    if request.headers.get("content-type", "").split(";")[0].strip() not in (XLSX, OCTET):
        raise UnsupportedMediaType(f"Send the workbook with Content-Type: {XLSX}")
    body = await request.body()
    if len(body) > sheets.MAX_BYTES:
        raise PayloadTooLarge(f"A score sheet is at most {sheets.MAX_BYTES // 1_000_000} MB")
    data, where = await sheets.read_workbook(session, round_, body, submit=submit)
    return await service.save_score_sheets(session, round_, data, me, actor, locate=where)


@router.get("/rounds/{round_id}/scores/{region_code}", operation_id="assessment_scores_get", tags=["scoring"],
            summary="Scores for a region", description="An assessor sees only their own until they submit; "
            "Kominfo and the ministries see all.", responses=ERR(404, 422))
async def get_scores(round_: CurrentRound, region_code: RoundRegionCode, session: SessionDep,
                     actor: ReaderOrAssessor) -> schemas.ScoreSheet:
    return await service.score_sheet(session, round_, region_code, actor)


@router.post("/rounds/{round_id}/scores/{region_code}/reopen", operation_id="assessment_scores_reopen",
             tags=["scoring"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Reopen an assessor's submitted scores, with a reason",
             description="The assessor may change them again and must submit again.",
             responses=ERR(404, 409, 422, RoundFrozen, RoundStateForbids))
async def reopen_scores(round_: LockedRound, region_code: RoundRegionCode, body: schemas.ReopenIn, session: SessionDep,
                        actor: Officer) -> Response:
    await service.reopen(session, round_, region_code, body, actor)
    return Response(status_code=204)


@router.post("/rounds/{round_id}/scores/{region_code}/moderations", operation_id="assessment_scores_moderate",
             tags=["scoring"], summary="Adjust a score in moderation; the original stays visible",
             description="While the round is moderating, with a reason. Once it is published, only the components "
                         "an upheld appeal re-opened for that region (409 component-not-reopened otherwise), until "
                         "the result is published again.",
             responses=ERR(404, 409, 422, RoundFrozen, RoundStateForbids, ComponentNotReopened))
async def moderate(round_: LockedRound, region_code: RoundRegionCode, body: schemas.ModerationIn, session: SessionDep,
                   actor: Officer) -> schemas.Score:
    row = await service.moderate(session, round_, region_code, body, actor)
    return schemas.Score(assessor_id=row.assessor_id, component_key=row.component_key, value=row.value,
                         moderated_value=row.moderated_value, comment=row.comment)


@router.put("/rounds/{round_id}/self-assessments/{region_code}", operation_id="assessment_self_save",
             openapi_extra=no_if_match("The region's own declaration, replaced whole until verified; the audit keeps "
                                       "every earlier one"),
            tags=["self-assessment"], summary="The region's own self-assessment, with evidence links",
            description="While the round is inviting or assessing; a change clears its verification.",
            responses=ERR(404, 409, 422, RoundFrozen, RoundStateForbids))
async def save_self(round_: CurrentRound, region_code: RoundRegionCode, body: schemas.SelfAssessmentIn,
                    session: SessionDep, actor: RegionWriter) -> schemas.SelfAssessment:
    inv = await get_invitation(session, round_.id, region_code)
    await service.save_self_assessment(session, round_, inv, body, actor)
    return await service.self_assessment(session, round_.id, region_code)


@router.get("/rounds/{round_id}/self-assessments/{region_code}", operation_id="assessment_self_get",
            tags=["self-assessment"], summary="A region's self-assessment",
            description="With the verified value of each item once Kominfo checked it.", responses=ERR(404, 422))
async def get_self(round_: CurrentRound, region_code: RoundRegionCode, session: SessionDep,
                   _: RegionParty) -> schemas.SelfAssessment:
    await get_invitation(session, round_.id, region_code)
    return await service.self_assessment(session, round_.id, region_code)


@router.post("/rounds/{round_id}/self-assessments/{region_code}/documents", operation_id="assessment_evidence_upload",
             tags=["self-assessment"], status_code=201,
             summary="Start the upload of evidence (bukti dukung) for a self-assessed component",
             description="While the round is inviting or assessing. A presigned PUT bound to the declared SHA-256, "
                         "then confirm the document (`/api/v1/assessment/documents/{document_id}/confirm`). Stored "
                         "evidence is cited by version and SHA-256 in the round's inputs and is never deleted.",
             responses=ERR(404, 409, 422, 503, RoundFrozen, RoundStateForbids))
async def upload_evidence(round_: CurrentRound, region_code: RoundRegionCode, body: schemas.EvidenceIn,
                          session: SessionDep, store: Store, actor: RegionWriter,
                          response: Response) -> DocumentUpload:
    inv = await get_invitation(session, round_.id, region_code)
    answer = await service.start_evidence(session, store, round_, inv, body, actor)
    response.headers["Location"] = f"/api/v1/assessment/documents/{answer.document.id}"
    return answer


@router.get("/rounds/{round_id}/self-assessments/{region_code}/documents", operation_id="assessment_evidence_list",
            tags=["self-assessment"], summary="A region's evidence documents in a round",
            description="Every stored version, by component (`purpose`), newest first.", responses=ERR(404, 422))
async def list_evidence(round_: CurrentRound, region_code: RoundRegionCode, session: SessionDep,
                        _: RegionParty) -> list[Document]:
    return await service.evidence(session, await get_invitation(session, round_.id, region_code))


@router.post("/rounds/{round_id}/self-assessments/{region_code}/verifications", operation_id="assessment_self_verify",
             tags=["self-assessment"], status_code=status.HTTP_204_NO_CONTENT,
             summary="Record the verified value of a self-declared component",
             description="The verified value replaces the declared one in scoring.",
             responses=ERR(404, 409, 422, RoundFrozen))
async def verify_self(round_: LockedRound, region_code: RoundRegionCode, body: schemas.VerifyIn, session: SessionDep,
                      actor: Officer) -> Response:
    await service.verify_self_item(session, round_, region_code, body, actor)
    return Response(status_code=204)
