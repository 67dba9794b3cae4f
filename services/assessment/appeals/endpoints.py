"""Appeals (sanggahan) against a published result, their documents, and the result published again."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from fastapi import Depends, Path, Request, Response
from pydantic import Field

from services.common.auth import Principal, optional_principal, region_scope
from services.common.db import SessionDep
from services.common.documents import schemas as documents
from services.common.documents import service as document_service
from services.common.documents.endpoints import Store
from services.common.errors import AlreadyExists
from services.common.errors import problem_responses as ERR
from services.common.routing import contract_router

from ..auth import Officer, RegionParty, RegionWriter
from ..deps import CurrentRound, LockedRound
from ..exceptions import (
    ActDateOrder,
    AppealDecided,
    AppealWindowClosed,
    FragileDecisionsUnreviewed,
    NoUpheldAppeal,
    RoundStateForbids,
)
from ..models import Appeal, Document, records
from ..publication import service as publication
from . import schemas, service

router = contract_router(records, prefix="/api/v1/assessment", tags=["appeals"], dependencies=[Depends(region_scope)])

AppealId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
Caller = Annotated[Principal | None, Depends(optional_principal)]


async def _appeal(round_: CurrentRound, appeal_id: AppealId, session: SessionDep, caller: Caller) -> Appeal:
    return await service.get(session, round_, appeal_id, caller)


async def _locked_appeal(round_: CurrentRound, appeal_id: AppealId, session: SessionDep, caller: Caller) -> Appeal:
    return await service.get(session, round_, appeal_id, caller, lock=True)


CurrentAppeal = Annotated[Appeal, Depends(_appeal)]
LockedAppeal = Annotated[Appeal, Depends(_locked_appeal)]


class AppealPurpose(StrEnum):
    grounds = "grounds"


class AppealDocumentIn(documents.DocumentIn):
    purpose: AppealPurpose = Field(description="grounds: what supports the appeal")


@router.post("/rounds/{round_id}/appeals", operation_id="assessment_appeals_create", status_code=201,
             summary="File an appeal (sanggahan) against a published result",
             description="By the region's pemda (or Kominfo for it), dated within the round's `appeal` deadline "
                         "(opens_on, or the announcement, to due_on; 409 appeal-window-closed), naming the panel "
                         "components contested and the grounds. One appeal per region and round.",
             responses=ERR(404, 409, 422, AppealWindowClosed, RoundStateForbids, AlreadyExists))
async def file_appeal(round_: CurrentRound, body: schemas.AppealIn, session: SessionDep, actor: RegionWriter,
                      response: Response) -> schemas.Appeal:
    appeal = await service.file(session, round_, body, actor)
    response.headers["Location"] = f"/api/v1/assessment/rounds/{round_.id}/appeals/{appeal.id}"
    return schemas.Appeal.model_validate(appeal)


@router.get("/rounds/{round_id}/appeals", operation_id="assessment_appeals_list", summary="A round's appeals",
            description="Oldest first; a pemda user sees its own region's.", responses=ERR(404, 422))
async def list_appeals(round_: CurrentRound, session: SessionDep, principal: RegionParty) -> list[schemas.Appeal]:
    return await service.listing(session, round_, principal)


@router.get("/rounds/{round_id}/appeals/{appeal_id}", operation_id="assessment_appeals_get", summary="One appeal",
            description="With its decision and the result version that took it in.", responses=ERR(404, 422))
async def get_appeal(appeal: CurrentAppeal, _: RegionParty) -> schemas.Appeal:
    return schemas.Appeal.model_validate(appeal)


@router.post("/rounds/{round_id}/appeals/{appeal_id}/decision", operation_id="assessment_appeals_decide",
             summary="Decide an appeal, with reasons",
             description="Upheld re-opens the named components for the named region alone: their scores may be "
                         "moderated again (and nothing else) until the result is published again. A decision is "
                         "final (409 appeal-decided) and dated no earlier than the filing (409 act-date-order).",
             responses=ERR(404, 409, 422, 502, 503, AppealDecided, ActDateOrder))
async def decide_appeal(round_: LockedRound, appeal: LockedAppeal, body: schemas.DecisionIn, request: Request,
                        session: SessionDep, actor: Officer) -> schemas.Appeal:
    decided = await service.decide(session, appeal, body, actor)
    if decided.state == schemas.Decision.upheld:  # scores may change from here on: the version they made is kept
        await publication.keep_current(session, request.app.state.upstreams, request.app.state.settings, round_)
    return schemas.Appeal.model_validate(decided)


@router.post("/rounds/{round_id}/appeals/{appeal_id}/documents", operation_id="assessment_appeal_documents_upload",
             status_code=201, summary="Start the upload of a document supporting an appeal",
             description="A presigned PUT bound to the declared SHA-256, then confirm the document "
                         "(`.../documents/{document_id}/confirm`).", responses=ERR(404, 422, 503))
async def upload_appeal_document(appeal: CurrentAppeal, body: AppealDocumentIn, session: SessionDep, store: Store,
                                 actor: RegionWriter, response: Response) -> documents.DocumentUpload:
    answer = await document_service.start_upload(
        session, Document, store, service="assessment", owner_kind="appeal", owner_id=appeal.id,
        purpose=body.purpose, region_code=appeal.region_code_today, data=body, actor=actor)
    response.headers["Location"] = f"/api/v1/assessment/documents/{answer.document.id}"
    return answer


@router.get("/rounds/{round_id}/appeals/{appeal_id}/documents", operation_id="assessment_appeal_documents_list",
            summary="An appeal's documents", description="Every stored version.", responses=ERR(404, 422))
async def list_appeal_documents(appeal: CurrentAppeal, session: SessionDep,
                                _: RegionParty) -> list[documents.Document]:
    return await document_service.owned_by(session, Document, "appeal", appeal.id)


@router.post("/rounds/{round_id}/republications", operation_id="assessment_republications_create",
             summary="Publish the result again, taking the upheld appeals in",
             description="The current version is kept, signed and with the inputs it was computed from, so it "
                         "stays verifiable; the result is computed again from the scores as moderated since and "
                         "becomes the next version, which names the version it supersedes and the appeals it "
                         "takes in (as its minutes do). 409 no-upheld-appeal when none waits; 409 "
                         "fragile-decisions-unreviewed when the round tests its decisions and a fragile one of the "
                         "next version has no review.",
             responses=ERR(404, 409, 422, 502, 503, NoUpheldAppeal, ActDateOrder, RoundStateForbids,
                           FragileDecisionsUnreviewed))
async def republish(round_: LockedRound, body: schemas.RepublicationIn, request: Request, session: SessionDep,
                    actor: Officer) -> schemas.ResultVersion:
    await publication.republish(session, request.app.state.upstreams, request.app.state.settings, round_,
                                body.republished_on, actor)
    current = (await publication.versions(session, round_.id))[-1]
    return schemas.ResultVersion.model_validate(current)
