"""The documents' rules, one problem `type` each."""

from __future__ import annotations

from services.common.errors import BadGateway, Conflict, Unprocessable


class DocumentTypeMismatch(Unprocessable):
    slug, title = "document-type-mismatch", "The file's bytes are not of the declared type"
    title_id = "Isi berkas tidak sesuai dengan jenis yang dinyatakan"


class DocumentNotUploaded(Conflict):
    slug, title = "document-not-uploaded", "The file has not reached the object store (or not all of it)"
    title_id = "Berkas belum (seluruhnya) sampai di penyimpanan objek"


class DocumentPending(Conflict):
    slug, title = "document-pending", "The upload of this document is not confirmed yet"
    title_id = "Unggahan dokumen ini belum dikonfirmasi"


class DocumentIntegrity(BadGateway):
    slug, title = "document-integrity", "The stored bytes no longer match the document's SHA-256; nothing was served"
    title_id = "Isi yang tersimpan tidak lagi cocok dengan SHA-256 dokumen; tidak ada yang dikirim"
