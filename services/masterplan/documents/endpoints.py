"""The files of MoUs and masterplans: the signed MoU, the masterplan document, the Perbup/Perwali adopting it."""

from enum import StrEnum

from fastapi import Depends, Response
from pydantic import Field

from services.common.auth import region_scope
from services.common.db import SessionDep
from services.common.documents import schemas, service
from services.common.documents.endpoints import Store, documents_router
from services.common.errors import problem_responses as ERR
from services.common.routing import contract_router

from ..auth import Officer, RegionParty, RegionWriter
from ..deps import CurrentMou, CurrentPlan
from ..models import Document, records

PREFIX = "/api/v1/masterplan"


class MouPurpose(StrEnum):
    signed_mou = "signed_mou"


class MasterplanPurpose(StrEnum):
    masterplan = "masterplan"
    adoption_decree = "adoption_decree"


class MouDocumentIn(schemas.DocumentIn):
    purpose: MouPurpose = Field(description="signed_mou: the scan of the signed nota kesepahaman")


class MasterplanDocumentIn(schemas.DocumentIn):
    purpose: MasterplanPurpose = Field(description="masterplan: the masterplan document itself; adoption_decree: "
                                                   "the Perbup/Perwali adopting it")


router = contract_router(records, prefix=PREFIX, tags=["documents"], dependencies=[Depends(region_scope)])

UPLOAD = ("Answers a presigned PUT (URL and the headers to send with it) straight to the object store; the S3 "
          "server takes only bytes of the declared SHA-256. Then confirm the document. Each confirmed upload is a "
          "new version of its purpose: none overwrites another.")


def _located(response: Response, answer: schemas.DocumentUpload) -> schemas.DocumentUpload:
    response.headers["Location"] = f"{PREFIX}/documents/{answer.document.id}"
    return answer


@router.post("/mous/{mou_id}/documents", operation_id="masterplan_mou_documents_upload", status_code=201,
             summary="Start the upload of an MoU's document", description=UPLOAD, responses=ERR(404, 422, 503))
async def upload_mou_document(mou: CurrentMou, body: MouDocumentIn, session: SessionDep, store: Store,
                              actor: Officer, response: Response) -> schemas.DocumentUpload:
    return _located(response, await service.start_upload(
        session, Document, store, service="masterplan", owner_kind="mou", owner_id=mou.id, purpose=body.purpose,
        region_code=mou.region_code, data=body, actor=actor))


@router.get("/mous/{mou_id}/documents", operation_id="masterplan_mou_documents_list",
            summary="An MoU's documents", description="Every stored version, newest first within each purpose.",
            responses=ERR(404, 422))
async def list_mou_documents(mou: CurrentMou, session: SessionDep, _: RegionParty) -> list[schemas.Document]:
    return await service.owned_by(session, Document, "mou", mou.id)


@router.post("/masterplans/{plan_id}/documents", operation_id="masterplan_masterplan_documents_upload",
             status_code=201, summary="Start the upload of a masterplan version's document", description=UPLOAD,
             responses=ERR(404, 422, 503))
async def upload_plan_document(plan: CurrentPlan, body: MasterplanDocumentIn, session: SessionDep, store: Store,
                               actor: RegionWriter, response: Response) -> schemas.DocumentUpload:
    return _located(response, await service.start_upload(
        session, Document, store, service="masterplan", owner_kind="masterplan", owner_id=plan.id,
        purpose=body.purpose, region_code=plan.region_code, data=body, actor=actor))


@router.get("/masterplans/{plan_id}/documents", operation_id="masterplan_masterplan_documents_list",
            summary="A masterplan version's documents", description="Every stored version, newest first within each "
            "purpose.", responses=ERR(404, 422))
async def list_plan_documents(plan: CurrentPlan, session: SessionDep, _: RegionParty) -> list[schemas.Document]:
    return await service.owned_by(session, Document, "masterplan", plan.id)


one_document = documents_router(PREFIX, Document, records, reader=RegionParty, writer=RegionWriter,
                                area="masterplan", tag="documents", event="document.stored")
