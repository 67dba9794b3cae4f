"""Documents uploaded as a frontend does: declare, PUT the bytes to the presigned URL (no credentials of ours)."""

from __future__ import annotations

import hashlib

import httpx

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def declared(data: bytes, *, filename: str, media_type: str = "application/pdf", title: str = "Nota kesepahaman",
             **fields: object) -> dict:
    """The body that starts an upload of `data`: its size and SHA-256, and what it is."""
    return {"title": title, "filename": filename, "media_type": media_type, "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(), **fields}


async def upload(gw, headers: dict, path: str, data: bytes, **fields: object) -> dict:
    """Start the upload at `path`, PUT the bytes to the object store; the answer (document and upload)."""
    started = await gw.post(path, headers=headers, json=declared(data, **fields))
    assert started.status_code == 201, started.text
    answer = started.json()
    assert started.headers["location"].endswith(f"/documents/{answer['document']['id']}")
    put = answer["upload"]
    async with httpx.AsyncClient() as s3:
        sent = await s3.put(put["url"], content=data, headers=put["headers"])
    assert sent.status_code == 200, sent.text
    return answer
