"""What a document may be: its media type, its size limit, and how its first and last bytes prove it.

A declared type is believed only when the bytes agree: a PDF begins `%PDF-`, a PNG and a JPEG with their
signatures, and an XLSX or DOCX is a ZIP whose central directory (read from the end of the file) names the
parts of a workbook or a word-processing document.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from enum import StrEnum

from .errors import DocumentTypeMismatch

MB = 1024 * 1024


class MediaType(StrEnum):
    pdf = "application/pdf"
    png = "image/png"
    jpeg = "image/jpeg"
    xlsx = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass(frozen=True)
class Kind:
    extensions: tuple[str, ...]
    max_bytes: int
    magic: bytes
    part: str | None = None  # the ZIP member an Office document of this kind has


KINDS: dict[MediaType, Kind] = {
    MediaType.pdf: Kind((".pdf",), 100 * MB, b"%PDF-"),
    MediaType.png: Kind((".png",), 20 * MB, b"\x89PNG\r\n\x1a\n"),
    MediaType.jpeg: Kind((".jpg", ".jpeg"), 20 * MB, b"\xff\xd8\xff"),
    MediaType.xlsx: Kind((".xlsx",), 50 * MB, b"PK\x03\x04", "xl/workbook.xml"),
    MediaType.docx: Kind((".docx",), 50 * MB, b"PK\x03\x04", "word/document.xml"),
}

HEAD_BYTES = 16
# An Office document's central directory is a few KiB; one this large is read in a second request.
TAIL_BYTES = 256 * 1024


def limits_text() -> str:
    return "; ".join(f"{media.value} ({', '.join(k.extensions)}) up to {k.max_bytes // MB} MB"
                     for media, k in KINDS.items())


class _Tail(io.RawIOBase):
    """The last bytes of a file of known size, seekable as if the whole file were here (ZipFile reads only
    the end-of-central-directory record and the directory it points to)."""

    def __init__(self, tail: bytes, size: int):
        self.tail, self.size, self.start, self.pos = tail, size, size - len(tail), 0

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        self.pos = {0: offset, 1: self.pos + offset, 2: self.size + offset}[whence]
        return self.pos

    def tell(self) -> int:
        return self.pos

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        if self.pos < self.start:
            raise OSError("the ZIP directory lies before the bytes read")
        chunk = self.tail[self.pos - self.start:self.pos - self.start + len(buffer)]
        buffer[:len(chunk)] = chunk
        self.pos += len(chunk)
        return len(chunk)


def zip_members(tail: bytes, size: int) -> set[str] | None:
    """The member names of a ZIP from its last bytes; None when they are not a ZIP's end."""
    try:
        with zipfile.ZipFile(_Tail(tail, size)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None


def check_bytes(media: MediaType, head: bytes, tail: bytes | None, size: int) -> None:
    """Refuses bytes that are not a document of the declared type."""
    kind = KINDS[media]
    if not head.startswith(kind.magic):
        raise DocumentTypeMismatch(f"The file does not begin as {media.value} does", extra={"declared": media.value})
    if kind.part is None:
        return
    members = zip_members(tail or b"", size)
    if members is None:
        raise DocumentTypeMismatch("The file is not a readable ZIP (Office documents are ZIP packages)",
                                   extra={"declared": media.value})
    if kind.part not in members:
        raise DocumentTypeMismatch(f"The package has no {kind.part}; it is not {media.value}",
                                   extra={"declared": media.value})
