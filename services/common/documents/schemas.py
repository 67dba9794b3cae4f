"""What callers send to start an upload and what they read back."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from ..events import Payload
from .kinds import KINDS, MB, MediaType, limits_text

LARGEST = max(k.max_bytes for k in KINDS.values())
SHA256 = Field(pattern=r"^[0-9a-f]{64}$", description="The file's SHA-256, 64 lowercase hex digits: the S3 server "
               "refuses any other bytes, and every download is checked against it",
               examples=["9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"])


class DocumentIn(BaseModel):
    """A file about to be uploaded: what it is, and the size and hash its bytes must have."""

    title: str = Field(min_length=1, max_length=300, examples=["Nota Kesepahaman Kota Tanjung Pinang 2017"])
    # No path, quote or control character: the name is given back in Content-Disposition.
    filename: str = Field(min_length=1, max_length=200, pattern=r'^[^/\\"\x00-\x1f\x7f]+$',
                          examples=["mou-tanjung-pinang-2017.pdf"])
    media_type: MediaType = Field(description="Checked against the file's bytes: " + limits_text())
    size: int = Field(ge=1, le=LARGEST, examples=[1_048_576],
                      description=f"Bytes; at most {LARGEST // MB} MB (see media_type)")
    sha256: str = SHA256


class Document(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    owner_kind: str = Field(examples=["mou"])
    owner_id: int
    purpose: str = Field(examples=["signed_mou"])
    region_code: str = Field(examples=["21.72"])
    version: int | None = Field(description="1, 2, ... per owner and purpose once stored; null while pending")
    title: str
    filename: str
    media_type: MediaType
    size: int
    sha256: str = SHA256
    state: Literal["pending", "stored"]
    created_by: str
    created_at: datetime
    stored_by: str | None
    stored_at: datetime | None


class Transfer(BaseModel):
    """A presigned request straight to the object store: send it as given, with every header listed."""

    method: Literal["PUT", "GET"]
    url: str
    headers: dict[str, str] = Field(default_factory=dict)
    expires_at: datetime


class DocumentUpload(BaseModel):
    document: Document
    upload: Transfer = Field(description="PUT the file's bytes here, then confirm the document")


class DocumentDownload(BaseModel):
    document: Document
    download: Transfer = Field(description="The bytes, straight from the object store; compare their SHA-256 "
                                           "with the document's (or read `/content`, which the service checks)")


class DocumentStored(Payload):
    """A document's bytes were checked and kept as the next version of its owner and purpose (no title, file name
    or person: feeds may be public)."""

    id: int
    owner_kind: str = Field(examples=["mou"])
    owner_id: int
    purpose: str
    region_code: str
    version: int
    media_type: MediaType
    size: int
    sha256: str = SHA256
