"""How every process is served: an answer's head leaves with its body, and never waits for a body that is not sent."""

import asyncio

import pytest
import uvicorn

from services.common.server import HeadDeadlineProtocol
from tests.kit import free_ports

streamed_head_seen = asyncio.Event()


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    if scope["path"] == "/stream":  # the head must reach the client before the body is made
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
        await asyncio.wait_for(streamed_head_seen.wait(), 5)
        await send({"type": "http.response.body", "body": b"late", "more_body": False})
        return
    body = scope["path"].encode()
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
async def server():
    port = free_ports(1, start=18950)[0]
    served = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, http=HeadDeadlineProtocol,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(served.serve())
    while not served.started:  # noqa: ASYNC110 - uvicorn's Server sets a flag, it offers no event
        await asyncio.sleep(0.01)
    yield port
    served.should_exit = True
    await task


async def read_answer(reader: asyncio.StreamReader) -> tuple[bytes, bytes]:
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length")), 0)
    return head, await asyncio.wait_for(reader.readexactly(length), 5) if length else b""


async def test_answers_heads_and_pipelined_requests_arrive_whole(server):
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET /one HTTP/1.1\r\nhost: x\r\n\r\nGET /two HTTP/1.1\r\nhost: x\r\n\r\n")
    one, two = [await read_answer(reader) for _ in range(2)]
    assert one[0].startswith(b"HTTP/1.1 200") and one[1] == b"/one" and two[1] == b"/two"
    # A HEAD's head names the length of a body it does not send: it leaves when the answer completes.
    writer.write(b"HEAD /three HTTP/1.1\r\nhost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert head.startswith(b"HTTP/1.1 200") and b"content-length: 6" in head
    writer.close()


async def test_a_streamed_head_leaves_before_its_body(server):
    streamed_head_seen.clear()
    reader, writer = await asyncio.open_connection("127.0.0.1", server)
    writer.write(b"GET /stream HTTP/1.1\r\nhost: x\r\n\r\n")
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    assert b"transfer-encoding: chunked" in head
    streamed_head_seen.set()
    assert await asyncio.wait_for(reader.readuntil(b"0\r\n\r\n"), 5) == b"4\r\nlate\r\n0\r\n\r\n"
    writer.close()
