"""The client of every call between our processes, against servers on real sockets: uvicorn as our processes
serve, and raw sockets for what a failing server does (closes, stalls, answers what is not HTTP)."""

import asyncio
import hashlib

import pytest

from services.common.http1 import HIGH_WATER, Broken, Pool, TimedOut, Unreachable, Unsendable
from tests.kit import free_ports

BLOCK = bytes(range(256)) * 256  # 64 KiB; /big sends 16 of them (1 MiB: streamed, not read whole), /huge 256
peers: list[tuple[str, int]] = []


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    peers.append(scope["client"])
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            break
    if scope["path"] in ("/big", "/huge"):
        blocks = 16 if scope["path"] == "/big" else 256  # 16 MiB: more than the sockets' buffers hold
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-length", str(len(BLOCK) * blocks).encode())]})
        for _ in range(blocks):
            await send({"type": "http.response.body", "body": BLOCK, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
        return
    target = scope["raw_path"] + (b"?" + scope["query_string"] if scope["query_string"] else b"")
    echoed = b"%s %s %s %s" % (scope["method"].encode(), target, body,
                                dict(scope["headers"]).get(b"x-note", b"-"))
    await send({"type": "http.response.start", "status": 200, "headers": [
        (b"content-length", str(len(echoed)).encode()), (b"x-twice", b"1"), (b"x-twice", b"2")]})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else echoed})


@pytest.fixture
async def origin(serve_app):
    return await serve_app(app)


def pool(**kw) -> Pool:
    return Pool(**{"connect_timeout": 1.0, "read_timeout": 2.0, "whole": 256 * 1024, **kw})


async def test_answers_whole_and_streamed_on_one_kept_connection(origin):
    client = pool()
    peers.clear()
    small = await client.request(origin, "POST", "/echo?q=1", [(b"x-note", b"caf\xe9")], b"hello")
    assert (small.status, small.body) == (200, b"POST /echo?q=1 hello caf\xe9") and small.chunks is None
    assert [v for k, v in small.headers if k == b"x-twice"] == [b"1", b"2"]
    head = await client.request(origin, "HEAD", "/echo", [])
    assert (head.status, head.body) == (200, b"") and head.header(b"content-length") == b"%d" % len(b"HEAD /echo  -")
    big = await client.request(origin, "GET", "/big", [])
    assert big.body is None and big.chunks is not None
    assert hashlib.sha256(await big.read()).digest() == hashlib.sha256(BLOCK * 16).digest()
    again = await client.request(origin, "GET", "/after", [])
    assert again.body == b"GET /after  -"
    assert len(set(peers)) == 1, peers  # the HEAD and the streamed answer left the connection reusable
    await client.close()


async def test_a_streamed_answer_left_unread_closes_its_connection(origin):
    client = pool()
    peers.clear()
    big = await client.request(origin, "GET", "/big", [])
    first = await anext(big.chunks)
    assert 0 < len(first) < 16 * len(BLOCK)
    big.release()
    assert (await client.request(origin, "GET", "/next", [])).body == b"GET /next  -"
    assert len(set(peers)) == 2  # the half-read connection was not reused
    await client.close()


async def test_what_cannot_be_written_is_refused_before_anything_is_sent(origin):
    client = pool()
    for method, target, headers in [("GET", "/a b", []), ("GET", "/\u00e9", []), ("GET", "/", [(b"x", b"a\r\nb")]),
                                    ("GET", "/", [(b"x y", b"a")])]:
        with pytest.raises(Unsendable):
            await client.request(origin, method, target, headers)
    await client.close()


async def serve_raw(handle) -> tuple[str, asyncio.Server]:
    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}", server


async def test_a_kept_connection_closed_as_a_request_arrives_is_replaced_for_an_idempotent_request():
    answered = []

    async def one_answer_per_connection(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        answered.append(1)
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
        await writer.drain()
        await reader.readuntil(b"\r\n\r\n")  # the next request on it: closed unanswered, as an idle close would
        writer.close()

    base, server = await serve_raw(one_answer_per_connection)
    client = pool()
    assert (await client.request(base, "GET", "/", [])).body == b"ok"
    assert (await client.request(base, "GET", "/", [])).body == b"ok"  # sent again on a new connection
    assert len(answered) == 2
    with pytest.raises(Broken):  # a POST may have been acted on: it is not sent twice
        await client.request(base, "POST", "/", [], b"x")
    assert len(answered) == 2
    await client.close()
    server.close()


async def test_an_interim_answer_is_passed_over_for_the_answer_that_follows():
    async def continue_first(reader, writer):
        while True:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 2\r\n\r\nok")
            await writer.drain()

    base, server = await serve_raw(continue_first)
    client = pool()
    for _ in range(2):  # and the connection stays in step for the next request
        answer = await client.request(base, "POST", "/", [(b"expect", b"100-continue")], b"x")
        assert (answer.status, answer.body) == (201, b"ok")
    await client.close()
    server.close()


async def test_silence_times_out_and_a_broken_answer_is_broken():
    async def stall(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        await asyncio.sleep(5)

    async def half(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly part")
        await writer.drain()
        writer.close()

    async def garbage(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SMTP ready\r\n\r\n")
        await writer.drain()

    client = pool(read_timeout=0.3)
    stalled, one = await serve_raw(stall)
    started = asyncio.get_running_loop().time()
    with pytest.raises(TimedOut):
        await client.request(stalled, "GET", "/", [])
    assert 0.25 < asyncio.get_running_loop().time() - started < 2
    for handler in (half, garbage):
        base, other = await serve_raw(handler)
        with pytest.raises(Broken):
            await client.request(base, "POST", "/", [], b"x")
        other.close()
    one.close()
    with pytest.raises(Unreachable):
        await client.request(f"http://127.0.0.1:{free_ports(1, start=18970)[0]}", "GET", "/", [])
    await client.close()


async def test_a_slow_reader_holds_the_server_back_instead_of_the_memory_and_a_stalled_one_is_cut_off(origin):
    client = pool(read_timeout=0.5)
    huge = await client.request(origin, "GET", "/huge", [])
    taken = []
    async for chunk in huge.chunks:  # slower than the server sends, never silent for the read timeout
        taken.append(len(chunk))
        await asyncio.sleep(0.01)
    huge.release()
    assert max(taken) <= 2 * HIGH_WATER  # what was held while the reader was busy
    assert sum(taken) == 256 * len(BLOCK)

    stalled = await client.request(origin, "GET", "/huge", [])
    await asyncio.sleep(1.0)  # takes nothing for longer than the read timeout
    with pytest.raises(TimedOut):
        await stalled.read()
    await client.close()
