"""The HTTP/1.1 client of every call between our processes: keep-alive connections, answers parsed by httptools.

A general client (aiohttp) spent a quarter of the gateway's CPU on a proxied call in its own layers; this one does
what our calls need and no more: one request at a time per connection, raw header bytes both ways, answers up
to `whole` bytes read in one piece and larger ones streamed with back-pressure, a connect timeout and a read
timeout (the longest silence while an answer is awaited: nothing arriving, and nothing of what is held taken),
idle connections reused newest first and dropped before the server would close them. Failures are four
exceptions: `Unsendable` (the request cannot be written), `Unreachable` (no connection), `TimedOut` and `Broken`
(the connection ended or the answer was not HTTP before its end).
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httptools

# Bytes of a streamed answer held here before the connection stops reading until the caller takes them.
HIGH_WATER = 256 * 1024
# Methods a request may be sent again for when a kept-alive connection turns out closed before any answer.
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
# A request line is method, target and version, with no other space nor control byte; a header's name is a token
# (RFC 9110 §5.1, names joined by tabs here), and a value has no line break nor NUL.
_UNSAFE_LINE = re.compile(rb"[\x00-\x1f\x7f]|  | [^ ]* [^ ]* ")
_NOT_TOKEN = re.compile(rb"[^\t!#$%&'*+\-.^_`|~0-9A-Za-z]")
_UNSAFE_VALUE = re.compile(rb"[\r\n\x00]")
_FRAMING = frozenset({b"host", b"content-length", b"transfer-encoding", b"connection"})


class Unsendable(ValueError):
    """The method, target or a header cannot be written as they are (a line break in a value, a byte past ASCII
    in the target)."""


class Unreachable(Exception):
    """No connection could be made; the message names the cause."""


class TimedOut(Exception):
    """The other side was silent for longer than the read timeout."""


class Broken(Exception):
    """The connection ended, or the answer was not HTTP, before the answer's end."""


@dataclass
class Answer:
    """An answer: status and raw headers, then its body in one piece or in chunks; `release` once done with it."""

    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes | None
    chunks: AsyncIterator[bytes] | None
    release: Callable[[], None]

    async def read(self) -> bytes:
        try:
            if self.chunks is None:
                return self.body or b""
            return b"".join([chunk async for chunk in self.chunks])
        finally:
            self.release()

    def header(self, name: bytes) -> bytes:
        return next((v for k, v in self.headers if k.lower() == name), b"")


class _Connection(asyncio.Protocol):
    """One connection and the answer being read on it."""

    def __init__(self, loop: asyncio.AbstractEventLoop, read_timeout: float):
        self.loop = loop
        self.read_timeout = read_timeout
        self.transport: asyncio.Transport | None = None
        self.lost = False
        self.idle_since = 0.0
        self.last = 0.0  # when a byte last arrived (or the caller last took what was held)
        self.parser: httptools.HttpResponseParser | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.timer: asyncio.TimerHandle | None = None
        self._reset(False)

    def _reset(self, head_only: bool) -> None:
        self.head_only = head_only
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.parts: list[bytes] = []
        self.buffered = 0
        self.received = False
        self.headers_done = False
        self.informational = False
        self.complete = False
        self.keep_alive = False
        self.until_close = False
        self.paused = False
        self.error: Exception | None = None

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport (uvloop's is no subclass)

    def data_received(self, data: bytes) -> None:
        self.received = True
        self.last = self.loop.time()
        if self.parser is None:  # bytes no request asked for: the connection is out of step
            self.close()
            return
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError as exc:
            self._fail(Broken(f"not an HTTP answer ({exc})"))
            self.close()
            return
        if self.buffered > HIGH_WATER and not self.paused and self.transport is not None:
            self.paused = True
            self.transport.pause_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.lost = True
        if self.parser is not None and not self.complete:
            if self.headers_done and self.until_close:
                self.on_message_complete()
            else:
                self._fail(Broken("the connection closed before the answer's end"))
        self._disarm()

    # httptools' callbacks

    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        assert self.parser is not None
        status = self.parser.get_status_code()
        if status < 200:  # 100 Continue and the like: the answer itself follows on the same parser
            self.informational = True
            self.headers = []
            return
        self.status = status
        self.headers_done = True
        self.keep_alive = self.parser.should_keep_alive()
        framed = {k.lower() for k, _ in self.headers} & {b"content-length", b"transfer-encoding"}
        self.until_close = not framed and self.status >= 200 and self.status not in (204, 304)
        if self.head_only:  # the parser cannot know a HEAD's answer has no body
            self.on_message_complete()
        self._wake()

    def on_body(self, body: bytes) -> None:
        self.parts.append(body)
        self.buffered += len(body)
        self._wake()

    def on_message_complete(self) -> None:
        if self.informational:
            self.informational = False
            return
        self.complete = True
        self.parser = None
        self._disarm()
        self._wake()

    # the request's side

    async def exchange(self, data: bytes, head_only: bool) -> None:
        """Send one request and return once its answer's head has arrived."""
        assert self.transport is not None
        self._reset(head_only)
        self.parser = httptools.HttpResponseParser(self)
        self.last = self.loop.time()
        self.timer = self.loop.call_at(self.last + self.read_timeout, self._check_silence)
        self.transport.write(data)
        while not self.headers_done:
            await self._wait()

    async def whole(self) -> bytes:
        while not self.complete:
            await self._wait()
        return b"".join(self.parts)

    async def chunks(self) -> AsyncIterator[bytes]:
        while True:
            if self.parts:
                data = b"".join(self.parts)
                self.parts.clear()
                self.buffered = 0
                self.last = self.loop.time()  # the caller took something: not silence either
                if self.paused and self.transport is not None:
                    self.paused = False
                    self.transport.resume_reading()
                yield data
            elif self.complete:
                return
            else:
                await self._wait()

    def reusable(self) -> bool:
        return self.complete and self.keep_alive and not self.lost and self.error is None

    def close(self) -> None:
        self._disarm()
        if self.transport is not None:
            self.transport.close()

    async def _wait(self) -> None:
        if self.error is not None:
            raise self.error
        self.waiter = self.loop.create_future()
        try:
            await self.waiter
        finally:
            self.waiter = None
        if self.error is not None:
            raise self.error

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def _fail(self, error: Exception) -> None:
        if self.error is None:  # the first cause: a timeout's close is not also a break
            self.error = error
        self._wake()

    def _check_silence(self) -> None:
        self.timer = None
        if self.complete:
            return
        now = self.loop.time()
        # Silence on either side: nothing arrived, and the caller took nothing of what is held (a reader that
        # takes nothing for that long would hold the connection, and the server, for as long as it stays).
        if now - self.last < self.read_timeout:
            self.timer = self.loop.call_at(self.last + self.read_timeout, self._check_silence)
            return
        self._fail(TimedOut(f"nothing for {self.read_timeout:g}s"))
        self.close()

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None


@dataclass(frozen=True)
class _Origin:
    host: str
    port: int
    tls: ssl.SSLContext | None
    authority: bytes


class Pool:
    """Keep-alive connections to any number of origins ("http://127.0.0.1:8001"), at most `limit` to each."""

    def __init__(self, *, connect_timeout: float, read_timeout: float, whole: int, limit: int = 200,
                 idle_seconds: float = 30.0):
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.whole = whole
        self.limit = limit
        self.idle_seconds = idle_seconds
        self._origins: dict[str, _Origin] = {}
        self._idle: dict[str, list[_Connection]] = {}
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._closed = False

    def _origin(self, base: str) -> _Origin:
        origin = self._origins.get(base)
        if origin is None:
            try:
                url = urlsplit(base)
                port = url.port
            except ValueError:
                raise Unsendable(f"not an http(s) origin: {base!r}") from None
            if url.scheme not in ("http", "https") or not url.hostname:
                raise Unsendable(f"not an http(s) origin: {base!r}")
            tls = ssl.create_default_context() if url.scheme == "https" else None
            port = port or (443 if tls else 80)
            origin = self._origins[base] = _Origin(url.hostname, port, tls, url.netloc.encode("ascii"))
        return origin

    async def request(self, base: str, method: str, target: str, headers: Iterable[tuple[bytes, bytes]],
                      body: bytes = b"") -> Answer:
        """One request; Unsendable when the method, target or a header cannot be written as they are."""
        origin = self._origin(base)
        data = _request_bytes(method, target, origin.authority, headers, body)
        slots = self._slots.get(base)
        if slots is None:
            slots = self._slots[base] = asyncio.Semaphore(self.limit)
        await slots.acquire()
        connection: _Connection | None = None
        try:
            connection = self._reuse(base)
            if connection is not None:
                try:
                    await connection.exchange(data, method == "HEAD")
                except Broken:
                    # Closed by the other side while idle, before any answer: once more on a new connection.
                    if connection.received or method not in IDEMPOTENT:
                        raise
                    connection.close()
                    connection = None
            if connection is None:
                connection = await self._connect(origin)
                await connection.exchange(data, method == "HEAD")
            size = _content_length(connection.headers)
            if connection.complete or (size is not None and size <= self.whole):
                body_read = await connection.whole()
                self._release(base, connection, slots)
                return Answer(connection.status, connection.headers, body_read, None, _nothing)
        except BaseException:
            if connection is not None:
                connection.close()
            slots.release()
            raise
        taken: _Connection | None = connection

        def release() -> None:
            nonlocal taken
            if taken is not None:
                self._release(base, taken, slots)
                taken = None

        return Answer(connection.status, connection.headers, None, connection.chunks(), release)

    def _reuse(self, base: str) -> _Connection | None:
        idle = self._idle.get(base)
        now = asyncio.get_running_loop().time()
        while idle:
            connection = idle.pop()
            if not connection.lost and now - connection.idle_since < self.idle_seconds:
                return connection
            connection.close()
        return None

    async def _connect(self, origin: _Origin) -> _Connection:
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):  # not wait_for: on 3.11 it can drop a cancellation
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop, self.read_timeout), origin.host, origin.port, ssl=origin.tls,
                    server_hostname=origin.host if origin.tls else None)
        except TimeoutError:
            raise Unreachable("ConnectTimeout") from None
        except OSError as exc:
            raise Unreachable(type(exc).__name__) from None
        return connection

    def _release(self, base: str, connection: _Connection, slots: asyncio.Semaphore) -> None:
        slots.release()
        if self._closed or not connection.reusable():
            connection.close()
            return
        connection.idle_since = asyncio.get_running_loop().time()
        self._idle.setdefault(base, []).append(connection)

    async def close(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        self._idle.clear()


def _nothing() -> None:
    pass


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            return int(value) if value.isdigit() else None
    return None


def _request_bytes(method: str, target: str, authority: bytes, headers: Iterable[tuple[bytes, bytes]],
                   body: bytes) -> bytes:
    try:
        line = f"{method} {target} HTTP/1.1\r\n".encode("ascii")
    except UnicodeEncodeError:
        raise Unsendable("the request line cannot be sent") from None
    if _UNSAFE_LINE.search(line, 0, len(line) - 2):
        raise Unsendable("the request line cannot be sent")
    sent = [(name, value) for name, value in headers if name.lower() not in _FRAMING]
    # One search over every name and one over every value, not a loop per header: this runs on every call.
    if _NOT_TOKEN.search(b"\t".join(name for name, _ in sent)) or _UNSAFE_VALUE.search(
            b"\t".join(value for _, value in sent)) or not all(name for name, _ in sent):
        raise Unsendable("a header cannot be sent")
    parts = [line, b"host: ", authority, b"\r\n"]
    for name, value in sent:
        parts += [name, b": ", value, b"\r\n"]
    if body or method in ("POST", "PUT", "PATCH"):
        parts += [b"content-length: ", str(len(body)).encode(), b"\r\n"]
    parts += [b"\r\n", body]
    return b"".join(parts)
