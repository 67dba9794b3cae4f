"""The hop's floor: the least a Python hop on uvicorn can cost, to set the gateway beside (as `floor.py` is set beside
the services).

A bare ASGI callable on uvicorn (the server every process runs) that checks the bearer token with the services'
own verifier and its cache of verified tokens, and passes the call on with the gateway's own upstream client
(`services.common.upstream`): the path and query as they came, the caller's headers less the hop-by-hop ones, the
answer whole. No request IDs, metrics, tracing, rate limit, in-flight cap or shared cache, all of which the
gateway keeps. It is what the gateway is measured against, not something to deploy.

    python bench/hop_floor.py PORT        (the services' ports and settings from the environment)
"""

from __future__ import annotations

import json
import sys

import uvicorn
from starlette.types import Receive, Scope, Send

from gateway.proxy import ANSWERED_HERE, NOT_FORWARDED, service_of
from services.common.auth import TokenVerifier
from services.common.errors import ProblemError
from services.common.settings import get_settings
from services.common.upstream import Upstreams

settings = get_settings()
verifier = TokenVerifier.from_settings(settings)
upstreams: Upstreams | None = None


async def refuse(send: Send, status: int) -> None:
    body = json.dumps({"status": status, "detail": "refused"}).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/problem+json"), (b"content-length", b"%d" % len(body))]})
    await send({"type": "http.response.body", "body": body})


async def app(scope: Scope, receive: Receive, send: Send) -> None:
    global upstreams
    if scope["type"] == "lifespan":
        await receive()
        upstreams = Upstreams(settings, ("regions", "assessment", "masterplan"))
        await send({"type": "lifespan.startup.complete"})
        await receive()
        await upstreams.pool.close()
        await send({"type": "lifespan.shutdown.complete"})
        return
    assert upstreams is not None
    service = service_of(scope["path"])
    authorization = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
    if service is None or not authorization.startswith("Bearer "):
        await refuse(send, 404 if service is None else 401)
        return
    query = scope["query_string"]
    target = scope["raw_path"].decode("ascii", "replace") + ("?" + query.decode("latin-1") if query else "")
    try:
        await verifier.verify(authorization.removeprefix("Bearer "))
        answer = await upstreams.send(service, scope["method"], target,
                                      [(k, v) for k, v in scope["headers"] if k not in NOT_FORWARDED])
    except ProblemError as exc:
        await refuse(send, exc.status)
        return
    try:
        await send({"type": "http.response.start", "status": answer.status,
                    "headers": [(k, v) for k, v in answer.headers if k.lower() not in ANSWERED_HERE]})
        if answer.chunks is not None:
            async for chunk in answer.chunks:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": answer.body or b""})
    finally:
        answer.release()


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False,
                server_header=False)
