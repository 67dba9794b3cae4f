"""Starting an upload, confirming it, and giving the bytes back only as they were stored."""

from __future__ import annotations

import base64
import hashlib
import secrets
import tempfile
from collections.abc import Iterable
from datetime import timedelta
from typing import IO, Any
from urllib.parse import quote

from fastapi.responses import StreamingResponse
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from .. import clock
from ..auth import Principal, get_in_scope
from ..errors import ProblemError, Unprocessable
from ..records import RecordModels, audit, emit
from . import schemas
from .errors import DocumentIntegrity, DocumentNotUploaded, DocumentPending
from .kinds import HEAD_BYTES, KINDS, MB, TAIL_BYTES, MediaType, check_bytes
from .storage import ObjectStore, b64_sha256


def _check_declared(data: schemas.DocumentIn) -> None:
    kind = KINDS[data.media_type]
    if data.size > kind.max_bytes:
        raise Unprocessable.field("size", "over the limit of its type",
                                  f"A {data.media_type.value} may be at most {kind.max_bytes // MB} MB; "
                                  f"this one is {data.size} bytes")
    if not data.filename.lower().endswith(kind.extensions):
        raise Unprocessable.field("filename", "extension does not match media_type",
                                  f"A {data.media_type.value} file is named {' or '.join(kind.extensions)}")


async def start_upload(session: AsyncSession, model: Any, store: ObjectStore, *, service: str, owner_kind: str,
                       owner_id: int, purpose: str, region_code: str, data: schemas.DocumentIn,
                       actor: Principal) -> schemas.DocumentUpload:
    """A pending document and the presigned PUT that brings its bytes (nothing passes through the service)."""
    _check_declared(data)
    # A fresh key per upload: nothing is ever written twice at one key, so no version overwrites another.
    key = f"{service}/{owner_kind}/{owner_id}/{purpose}/{secrets.token_hex(16)}"
    doc = model(owner_kind=owner_kind, owner_id=owner_id, purpose=purpose, region_code=region_code,
                title=data.title, filename=data.filename, media_type=data.media_type.value, size=data.size,
                sha256=data.sha256, object_key=key, state="pending", created_by=actor.sub)
    session.add(doc)
    await session.flush()
    await session.refresh(doc)
    url, headers = await store.presign_put(key, data.sha256, data.size, data.media_type.value)
    expires = clock.now() + timedelta(seconds=store.settings.presigned_url_seconds)
    return schemas.DocumentUpload(document=schemas.Document.model_validate(doc),
                                  upload=schemas.Transfer(method="PUT", url=url, headers=headers, expires_at=expires))


async def _sha256_of(store: ObjectStore, key: str) -> str:
    digest = hashlib.sha256()
    async for chunk in store.chunks(key):
        digest.update(chunk)
    return digest.hexdigest()


async def confirm(session: AsyncSession, model: Any, records: RecordModels, store: ObjectStore, doc: Any,
                  actor: Principal, event: str) -> schemas.Document:
    """Checks the uploaded bytes (size, SHA-256, type by magic bytes) and keeps the document as the next version.
    Confirming a stored document again changes nothing."""
    if doc.state == "stored":
        return schemas.Document.model_validate(doc)
    await _holds(store, doc, absent=DocumentNotUploaded)
    first = await store.read_range(doc.object_key, f"bytes=0-{HEAD_BYTES - 1}")
    # An Office document is a ZIP: its directory is at the end.
    last = await store.read_range(doc.object_key, f"bytes=-{min(doc.size, TAIL_BYTES)}") if KINDS[
        MediaType(doc.media_type)].part else None
    try:
        check_bytes(MediaType(doc.media_type), first, last, doc.size)
    except Unprocessable:
        await store.delete(doc.object_key)  # never cited: the refused bytes are not kept
        raise
    # One confirmation at a time per owner and purpose, so versions are numbered without gaps or twins.
    await session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
                          {"k": f"{model.__table__.fullname}:{doc.owner_kind}:{doc.owner_id}:{doc.purpose}"})
    latest = await session.scalar(select(func.max(model.version)).where(
        model.owner_kind == doc.owner_kind, model.owner_id == doc.owner_id, model.purpose == doc.purpose))
    doc.version, doc.state = (latest or 0) + 1, "stored"
    doc.stored_by, doc.stored_at = actor.sub, clock.now()
    await session.flush()
    out = schemas.Document.model_validate(doc)
    audit(session, records, actor=actor, action="document.store", entity="document", entity_id=doc.id, after=out)
    emit(session, records, event, doc.region_code,
         out.model_dump(mode="json", include=set(schemas.DocumentStored.model_fields)))
    return out


async def get_document(session: AsyncSession, model: Any, document_id: int, principal: Principal | None, *,
                       lock: bool = False) -> Any:
    return await get_in_scope(session, model, document_id, principal, label="Document", lock=lock)


async def owned_by(session: AsyncSession, model: Any, owner_kind: str, owner_id: int) -> list[schemas.Document]:
    """The stored versions of an owner's documents, newest first within each purpose."""
    rows = await session.scalars(select(model).where(
        model.owner_kind == owner_kind, model.owner_id == owner_id, model.state == "stored")
        .order_by(model.purpose, model.version.desc()))
    return [schemas.Document.model_validate(row) for row in rows]


def _require_stored(doc: Any) -> None:
    if doc.state != "stored":
        raise DocumentPending(f"Document {doc.id} is not confirmed yet; confirm it after the upload")


async def _holds(store: ObjectStore, doc: Any, *, absent: type[ProblemError]) -> None:
    """The object is there with the document's size and SHA-256: the checksum the S3 server recorded at upload,
    or (where it has none: another S3, or an object written over without one) the hash of its bytes."""
    head = await store.head(doc.object_key)
    if head is None:
        raise absent(f"Document {doc.id}: the object store holds no bytes for it (PUT them to its upload URL)")
    if head.size != doc.size:
        raise absent(f"Document {doc.id}: {head.size} bytes are stored, {doc.size} were declared",
                     extra={"received_bytes": head.size})
    if head.sha256_b64 is not None:
        matches = head.sha256_b64 == b64_sha256(doc.sha256)
    else:
        matches = await _sha256_of(store, doc.object_key) == doc.sha256
    if not matches:
        raise absent(f"Document {doc.id}: the stored bytes do not have SHA-256 {doc.sha256}",
                     extra={"sha256": doc.sha256})


async def download(store: ObjectStore, doc: Any) -> schemas.DocumentDownload:
    """A presigned GET, given only while the stored object still is the document's."""
    _require_stored(doc)
    await _holds(store, doc, absent=DocumentIntegrity)
    url = await store.presign_get(doc.object_key, doc.filename, doc.media_type)
    expires = clock.now() + timedelta(seconds=store.settings.presigned_url_seconds)
    return schemas.DocumentDownload(document=schemas.Document.model_validate(doc),
                                    download=schemas.Transfer(method="GET", url=url, expires_at=expires))


def _from_file(spool: IO[bytes], size: int = 256 * 1024) -> Iterable[bytes]:
    with spool:
        spool.seek(0)
        while chunk := spool.read(size):
            yield chunk


async def content(store: ObjectStore, doc: Any) -> StreamingResponse:
    """The bytes through the service, checked against the SHA-256 before the first one is sent."""
    _require_stored(doc)
    digest = hashlib.sha256()
    spool = tempfile.SpooledTemporaryFile(max_size=8 * MB)  # noqa: SIM115 - closed by _from_file
    async for chunk in store.chunks(doc.object_key):
        digest.update(chunk)
        spool.write(chunk)
    if digest.hexdigest() != doc.sha256:
        spool.close()
        raise DocumentIntegrity(f"Document {doc.id}: the stored bytes do not match SHA-256 {doc.sha256}; "
                                "nothing was served", extra={"sha256": doc.sha256})
    size = spool.tell()
    ascii_name = doc.filename.encode("ascii", "replace").decode().replace("?", "_")
    # A plain iterator: Starlette reads it in a worker thread, off the event loop.
    return StreamingResponse(_from_file(spool), media_type=doc.media_type, headers={
        "Content-Length": str(size), "ETag": f'"{doc.sha256}"',
        "Repr-Digest": f"sha-256=:{base64.b64encode(digest.digest()).decode()}:",
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(doc.filename)}",
        "Cache-Control": "private, max-age=0"})
