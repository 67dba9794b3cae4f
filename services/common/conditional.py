"""Conditional GETs and HEAD for every operation that reads (RFC 9110 §13, §9.3.2).

An answer read in one piece gets a strong ETag from its bytes unless the operation set its own (a record's
version); a GET whose If-None-Match names it is answered 304 without the body. HEAD is answered as the GET
would be, without the body. Streamed answers (exports) pass through untouched.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Depends, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Headers a 304 keeps (RFC 9110 §15.4.5); the rest describe a body that is not sent.
KEPT_ON_304 = frozenset({b"etag", b"cache-control", b"vary", b"expires", b"content-location", b"date",
                         b"x-request-id", b"ratelimit", b"ratelimit-policy", b"content-language", b"age"})


def strong_etag(body: bytes) -> bytes:
    return b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'


def matches(if_none_match: bytes, etag: bytes) -> bool:
    """Weak comparison, as If-None-Match asks (RFC 9110 §13.1.2)."""
    if if_none_match.strip() == b"*":
        return True
    bare = etag.removeprefix(b"W/")
    return any(candidate.strip().removeprefix(b"W/") == bare for candidate in if_none_match.split(b","))


class ConditionalMiddleware:
    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        if_none_match = next((v for k, v in scope["headers"] if k == b"if-none-match"), None)
        start: Message | None = None

        async def conditional_send(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message
                return
            if message["type"] != "http.response.body":
                await send(message)
                return
            if start is None:  # the rest of a streamed answer
                await send({**message, "body": b""} if head else message)
                return
            first, start = start, None
            if message.get("more_body"):  # streamed: sent as it comes, with no ETag
                await send(first)
                await send({**message, "body": b""} if head else message)
                return
            await send_whole(send, first["status"], list(first.get("headers", [])), message.get("body", b""),
                             if_none_match, head)

        await self.app(scope, receive, conditional_send)


async def send_whole(send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes,
                     if_none_match: bytes | None, head: bool, *, add_etag: bool = True) -> None:
    """An answer read in one piece: 304 when the caller already has it, else in full (no body for HEAD)."""
    if status == 200:
        etag = next((v for k, v in headers if k.lower() == b"etag"), None)
        if etag is None and add_etag:
            etag = strong_etag(body)
            headers = [*headers, (b"etag", etag)]
        if etag is not None and if_none_match is not None and matches(if_none_match, etag):
            kept = [(k, v) for k, v in headers if k.lower() in KEPT_ON_304]
            await send({"type": "http.response.start", "status": 304, "headers": kept})
            await send({"type": "http.response.body", "body": b""})
            return
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if head else body})


class Cacheable:
    """A dependency: the answer is the same for everyone and may be kept by any cache for `seconds`."""

    def __init__(self, seconds: int):
        self.header = f"public, max-age={seconds}"

    async def __call__(self, response: Response) -> None:
        response.headers["Cache-Control"] = self.header


def public_for(seconds: int) -> Any:
    return Depends(Cacheable(seconds))
