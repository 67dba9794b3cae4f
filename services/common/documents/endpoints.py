"""The operations on one document, whichever record it belongs to (each service mounts them on its prefix)."""

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import StreamingResponse

from ..auth import Principal, optional_principal, region_scope
from ..db import SessionDep
from ..errors import problem_responses as ERR
from ..records import RecordModels
from ..routing import contract_router
from . import schemas, service
from .errors import DocumentIntegrity, DocumentNotUploaded, DocumentPending, DocumentTypeMismatch
from .kinds import MediaType
from .storage import ObjectStore

DocumentId = Annotated[int, Path(ge=1, le=2**62, examples=[1])]
Caller = Annotated[Principal | None, Depends(optional_principal)]


async def _store(request: Request) -> ObjectStore:
    return request.app.state.object_store  # type: ignore[no-any-return]


Store = Annotated[ObjectStore, Depends(_store)]


def documents_router(prefix: str, model: Any, records: RecordModels, *, reader: Any, writer: Any, area: str,
                     tag: str, event: str) -> APIRouter:
    """GET, confirm, download and content of `{prefix}/documents/{document_id}`; `reader` and `writer` are the
    service's gates (a pemda user reaches only its own region's documents); `event` the type a confirmation emits
    (each service its own: webhook names are unique across services)."""
    router = contract_router(records, prefix=prefix, tags=[tag], dependencies=[Depends(region_scope)])

    async def current(document_id: DocumentId, session: SessionDep, caller: Caller) -> Any:
        return await service.get_document(session, model, document_id, caller)

    async def locked(document_id: DocumentId, session: SessionDep, caller: Caller) -> Any:
        return await service.get_document(session, model, document_id, caller, lock=True)

    Current = Annotated[Any, Depends(current)]
    Locked = Annotated[Any, Depends(locked)]

    @router.get("/documents/{document_id}", operation_id=f"{area}_documents_get", summary="One document",
                description="Its owner, purpose, version, type, size and SHA-256; `pending` until its upload is "
                            "confirmed.", responses=ERR(404, 422))
    async def get_one(doc: Current, _: reader) -> schemas.Document:
        return schemas.Document.model_validate(doc)

    @router.post("/documents/{document_id}/confirm", operation_id=f"{area}_documents_confirm",
                 summary="Confirm an upload: the bytes are checked and kept as the next version",
                 description="The object store must hold exactly the declared bytes (size, SHA-256: 409 "
                             "document-not-uploaded), whose first and last bytes must prove the declared type "
                             "(422 document-type-mismatch; such bytes are deleted). The stored document gets the "
                             "next version of its owner and purpose, and its SHA-256 enters the audit chain. "
                             "Confirming it again answers the same document.",
                 responses=ERR(404, 422, 503, DocumentNotUploaded, DocumentTypeMismatch))
    async def confirm(doc: Locked, session: SessionDep, store: Store, actor: writer) -> schemas.Document:
        return await service.confirm(session, model, records, store, doc, actor, event)

    @router.get("/documents/{document_id}/download", operation_id=f"{area}_documents_download",
                summary="A presigned link to the document's bytes in the object store",
                description="Given only while the stored object still has the document's size and SHA-256 (502 "
                            "document-integrity otherwise); large files come straight from the object store.",
                responses=ERR(404, 422, 503, DocumentPending, DocumentIntegrity))
    async def download(doc: Current, store: Store, _: reader) -> schemas.DocumentDownload:
        return await service.download(store, doc)

    @router.get("/documents/{document_id}/content", operation_id=f"{area}_documents_content_get",
                summary="The document's bytes, checked against its SHA-256",
                description="Read whole and hashed before the first byte is sent: bytes that do not match are "
                            "refused (502 document-integrity), never served. `Repr-Digest` carries the SHA-256.",
                response_class=StreamingResponse,
                responses={**ERR(404, 422, 503, DocumentPending, DocumentIntegrity), 200: {
                    "description": "The file", "content": {m.value: {"schema": {"type": "string", "format": "binary"}}
                                                           for m in MediaType}}})
    async def content(doc: Current, store: Store, _: reader) -> StreamingResponse:
        return await service.content(store, doc)

    return router
