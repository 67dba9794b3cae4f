"""ASGI middleware every process runs: request IDs, access log, body size cap."""

from __future__ import annotations

import json
import logging
import os
import re
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import PROBLEM_JSON, TYPE_BASE, PayloadTooLarge
from .logs import request_id_var
from .metrics import LATENCY, REQUESTS, child, route_of
from .tracing import server_span

log = logging.getLogger("smartcity.access")
_SAFE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
# What processes ask each other every second or two (revocations, event feeds) and probes ask: logged at
# debug level when answered, so an idle stack's log stays quiet; metrics still count every call.
# File uploads (bulk indicator values, score-sheet workbooks) may be larger than other bodies.
UPLOADS = re.compile(r"/values/bulk$|/score-sheets/xlsx$")
POLLED = re.compile(r"^/(auth/revocations|healthz|readyz|metrics|api/v1/[a-z]+/events)$")


class _TooLarge(PayloadTooLarge):
    """Raised while streaming a body without Content-Length past the cap."""


async def _send_problem(send: Send, status: int, title: str, detail: str, request_id: str,
                        slug: str = "payload-too-large") -> None:
    body = json.dumps({"type": TYPE_BASE + slug, "title": title, "status": status, "detail": detail}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(body)).encode()),
                            (b"x-request-id", request_id.encode())]})
    await send({"type": "http.response.body", "body": body})


def weak_etags(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """A compressed answer shares its ETag with the plain one, so that ETag can only be weak (RFC 9110 §8.8.3)."""
    return [(k, b"W/" + v if k.lower() == b"etag" and not v.startswith(b"W/") else v) for k, v in headers]


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body_bytes: int, max_upload_bytes: int, service: str = "service"):
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_upload_bytes = max_upload_bytes
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        sent_id = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = sent_id if _SAFE_ID.match(sent_id) else os.urandom(16).hex()  # uuid4().hex's form, cheaper
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        status_holder = {"status": 500, "started": False}

        # Answers for a signed-in caller or about tokens are nobody else's: no cache keeps them.
        private = b"authorization" in headers or scope["path"].startswith("/auth/")
        declared = headers.get(b"content-length")
        cap = self.max_upload_bytes if UPLOADS.search(scope["path"]) else self.max_body_bytes
        if declared is not None and (not declared.isdigit() or int(declared) > cap):
            await _send_problem(send, 413, "Request body too large", f"Bodies are limited to {cap} bytes here",
                                request_id)
            request_id_var.reset(token)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > cap:
                    raise _TooLarge(f"Bodies are limited to {cap} bytes here")
            return message

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                message.setdefault("headers", [])
                present = {k.lower() for k, _ in message["headers"]}
                if b"content-encoding" in present:
                    message["headers"] = weak_etags(message["headers"])
                extra = [(k, v) for k, v in ((b"x-request-id", request_id.encode()),
                                             (b"x-content-type-options", b"nosniff"),
                                             (b"cache-control", b"no-store") if private else (b"", b""))
                         if k and k not in present]
                message["headers"] = [*message["headers"], *extra]
            await send(message)

        try:
            with server_span(self.service, scope["method"], scope["path"], headers) as span:
                await self.app(scope, limited_receive, send_with_id)
                span.set_attribute("http.route", route_of(scope))
                span.set_attribute("http.response.status_code", status_holder["status"])
        except _TooLarge:
            if not status_holder["started"]:
                status_holder["status"] = 413
                await _send_problem(send, 413, "Request body too large", f"Bodies are limited to {cap} bytes here",
                                    request_id)
        except Exception:
            # The one place a 500 is logged: here the request ID is still known, and nothing re-raises it for the
            # server to log a second time.
            log.exception("unhandled error on %s %s", scope["method"], scope["path"])
            status_holder["status"] = 500
            if not status_holder["started"]:
                await _send_problem(send, 500, "Internal error", "An unexpected error occurred; it has been logged "
                                    f"with request ID {request_id}", request_id, slug="internal")
        finally:
            elapsed = time.perf_counter() - started
            route = route_of(scope)
            child(REQUESTS, self.service, scope["method"], route, str(status_holder["status"])).inc()
            child(LATENCY, self.service, scope["method"], route).observe(elapsed)
            quiet = status_holder["status"] < 400 and POLLED.match(scope["path"])
            log.log(logging.DEBUG if quiet else logging.INFO, "request", extra={
                "method": scope["method"], "path": scope["path"], "status": status_holder["status"],
                "duration_ms": round(elapsed * 1000, 2)})
            request_id_var.reset(token)
