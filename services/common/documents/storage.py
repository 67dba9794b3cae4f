"""The documents' bucket through the S3 API (aiobotocore): presigned URLs, heads, ranges and streams.

Uploads are presigned with the document's SHA-256 as `x-amz-checksum-sha256`: the S3 server refuses any
other bytes (BadDigest), and a URL can write nothing but the file it was made for.
"""

from __future__ import annotations

import asyncio
import base64
import functools
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ..errors import ServiceUnavailable
from ..settings import Settings


# botocore's sessions and config are imported on first use: at import they cost every process 0.2 s of its start.
@functools.cache
def _config() -> Any:
    from botocore.config import Config

    return Config(signature_version="s3v4", s3={"addressing_style": "path"}, retries={"max_attempts": 3},
                  connect_timeout=2, read_timeout=30)


def client_args(settings: Settings, endpoint: str) -> dict[str, Any]:
    key, secret = settings.resolved_s3_credentials()
    return {"endpoint_url": endpoint, "region_name": settings.s3_region, "aws_access_key_id": key,
            "aws_secret_access_key": secret, "config": _config()}


def b64_sha256(hex_digest: str) -> str:
    return base64.b64encode(bytes.fromhex(hex_digest)).decode()


def create_bucket(settings: Settings) -> None:
    """The documents' bucket, when missing (the embedded server's, or by `smartcity bucket`). RuntimeError while
    S3 is not up yet."""
    import botocore.session

    client = botocore.session.get_session().create_client("s3", **client_args(settings, settings.resolved_s3_endpoint))
    try:
        client.head_bucket(Bucket=settings.s3_bucket)
    except ClientError:
        try:
            client.create_bucket(Bucket=settings.s3_bucket)
        except (ClientError, BotoCoreError) as exc:
            raise RuntimeError(f"bucket {settings.s3_bucket}: {exc}") from None
    except BotoCoreError as exc:
        raise RuntimeError(str(exc)) from None
    finally:
        client.close()


@dataclass(frozen=True)
class Head:
    size: int
    sha256_b64: str | None  # what the S3 server recorded at upload, when it records checksums


class ObjectStore:
    """One S3 client per process, opened on first use. Failures of S3 answer 503, never a 500."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.bucket = settings.s3_bucket
        self._stack: AsyncExitStack | None = None
        self._client: Any = None
        self._signer: Any = None
        self._lock = asyncio.Lock()

    async def _clients(self) -> tuple[Any, Any]:
        async with self._lock:
            if self._client is None:
                from aiobotocore.session import get_session

                stack = AsyncExitStack()
                session = get_session()
                inner = self.settings.resolved_s3_endpoint
                self._client = await stack.enter_async_context(
                    session.create_client("s3", **client_args(self.settings, inner)))
                public = self.settings.s3_public_url
                # Presigned URLs name the host callers reach; signing them needs no connection.
                self._signer = self._client if not public or public == inner else await stack.enter_async_context(
                    session.create_client("s3", **client_args(self.settings, public)))
                self._stack = stack
        return self._client, self._signer

    async def close(self) -> None:
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = self._client = self._signer = None

    async def presign_put(self, key: str, sha256_hex: str, size: int, media_type: str) -> tuple[str, dict[str, str]]:
        """The URL and the headers the upload must send with it (all signed)."""
        _, signer = await self._clients()
        checksum = b64_sha256(sha256_hex)
        url = await signer.generate_presigned_url("put_object", ExpiresIn=self.settings.presigned_url_seconds, Params={
            "Bucket": self.bucket, "Key": key, "ChecksumSHA256": checksum, "ContentLength": size,
            "ContentType": media_type})
        return url, {"Content-Type": media_type, "x-amz-checksum-sha256": checksum}

    async def presign_get(self, key: str, filename: str, media_type: str) -> str:
        _, signer = await self._clients()
        return str(await signer.generate_presigned_url("get_object", ExpiresIn=self.settings.presigned_url_seconds,
                                                       Params={"Bucket": self.bucket, "Key": key,
                                                               "ResponseContentType": media_type,
                                                               "ResponseContentDisposition":
                                                                   f'attachment; filename="{filename}"'}))

    async def head(self, key: str) -> Head | None:
        client, _ = await self._clients()
        try:
            answer = await client.head_object(Bucket=self.bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey", "NotFound"):
                return None
            raise _unavailable(exc) from None
        except BotoCoreError as exc:
            raise _unavailable(exc) from None
        return Head(int(answer["ContentLength"]), answer.get("ChecksumSHA256"))

    async def read_range(self, key: str, span: str) -> bytes:
        """The bytes of an HTTP range: `bytes=0-15`, or the last n with `bytes=-n`."""
        client, _ = await self._clients()
        try:
            answer = await client.get_object(Bucket=self.bucket, Key=key, Range=span)
            body = answer["Body"]
            try:
                return bytes(await body.read())
            finally:
                body.close()
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from None

    async def chunks(self, key: str, size: int = 1024 * 1024) -> AsyncIterator[bytes]:
        client, _ = await self._clients()
        try:
            answer = await client.get_object(Bucket=self.bucket, Key=key)
            body = answer["Body"]
            try:
                async for chunk in body.iter_chunks(size):
                    yield chunk
            finally:
                body.close()
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from None

    async def delete(self, key: str) -> None:
        client, _ = await self._clients()
        try:
            await client.delete_object(Bucket=self.bucket, Key=key)
        except (ClientError, BotoCoreError) as exc:
            raise _unavailable(exc) from None


def _unavailable(exc: Exception) -> ServiceUnavailable:
    return ServiceUnavailable(f"The document store did not answer: {type(exc).__name__}", headers={"Retry-After": "2"})
