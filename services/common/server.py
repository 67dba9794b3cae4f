"""How every process is served: uvicorn with a deadline on the request head.

uvicorn times out idle keep-alive connections but not a client that sends its request line and headers a
byte at a time, so a few hundred such sockets could sit on a process forever. The protocol below gives the
head of each request `header_read_timeout` seconds, from the connection's first byte or from the first
byte of the next request on a kept-alive connection, and answers 408 when it runs out.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import sys
from asyncio import TimerHandle

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from .errors import TYPE_BASE, RequestTimeout
from .runtime import starting
from .settings import Settings, get_settings


class _OneWrite:
    """The transport as a response sees it: uvicorn writes an answer's head and its body in two calls, two
    syscalls and two packets for the reader, a sixth of the gateway's CPU on a small answer. A head that names its
    Content-Length waits here for the body and leaves with it (a HEAD's or a 304's when the answer completes);
    a streamed answer's head leaves at once."""

    def __init__(self, transport: asyncio.Transport):
        self.transport = transport
        self.held = b""

    def write(self, data: bytes) -> None:
        if self.held:
            data, self.held = self.held + data, b""
        elif data.startswith(b"HTTP/1.1 ") and b"\r\ncontent-length: " in data:
            self.held = data
            return
        self.transport.write(data)

    def flush(self) -> None:
        if self.held:
            data, self.held = self.held, b""
            self.transport.write(data)

    def close(self) -> None:
        self.flush()
        self.transport.close()

    def __getattr__(self, name: str) -> object:
        return getattr(self.transport, name)


class HeadDeadlineProtocol(HttpToolsProtocol):
    _head_deadline: TimerHandle | None = None
    _one_write: _OneWrite | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._one_write = _OneWrite(transport)
        self._arm()

    def on_response_complete(self) -> None:
        if self._one_write is not None:
            self._one_write.flush()
        super().on_response_complete()

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if self._head_deadline is None:
            self._arm()

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()
        if self.cycle is not None and self._one_write is not None:
            self.cycle.transport = self._one_write  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._head_deadline = self.loop.call_later(get_settings().header_read_timeout, self._expire)

    def _disarm(self) -> None:
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None

    def _expire(self) -> None:
        self._head_deadline = None
        if self.transport.is_closing():
            return
        # Only between responses: a pipelined head that stalls must not cut into an answer being written.
        if self.cycle is None or self.cycle.response_complete:
            seconds = get_settings().header_read_timeout
            body = json.dumps({"type": TYPE_BASE + RequestTimeout.slug, "title": RequestTimeout.title, "status": 408,
                               "detail": f"The request head did not arrive within {seconds:g}s"})
            self.transport.write(b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/problem+json\r\n"
                                 b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n"
                                 + body.encode())
        self.transport.close()


# Seconds a process keeps an idle connection open; the upstream client's pool drops its own sooner.
KEEP_ALIVE = 75


def serve_command(process: str, port: int, host: str = "127.0.0.1") -> list[str]:
    """The command that runs one process, for launchers and tests alike."""
    return [sys.executable, "-m", "smartcity", "serve", process, "--host", host, "--port", str(port)]


def import_app(app: str) -> None:
    """The module of `app` ("module:attribute"), imported as a process starts; its lifespan's tune_collector then
    sets it all aside."""
    with starting():
        importlib.import_module(app.partition(":")[0])


def serve(app: str, settings: Settings, host: str, port: int) -> None:
    import uvicorn

    import_app(app)  # uvicorn finds it imported

    # No Server header: what runs behind the API is not the caller's business. Idle keep-alive connections
    # stay open longer than the callers' pools keep them (KEEP_ALIVE), so a caller never reuses one the
    # server has just closed (a request body written into a closed socket was a 502). The API has no WebSocket, so
    # none is loaded or accepted.
    uvicorn.run(app, host=host, port=port, http=HeadDeadlineProtocol, ws="none", log_level="warning",
                access_log=False, server_header=False, timeout_keep_alive=KEEP_ALIVE,
                proxy_headers=bool(settings.trusted_proxies), forwarded_allow_ips=settings.trusted_proxies or None,
                timeout_graceful_shutdown=settings.drain_seconds)
