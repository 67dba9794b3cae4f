"""Work a process does beside answering requests: in the background for its life, or off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio


@asynccontextmanager
async def running(work: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run `work` in the background for the life of the block (nothing when it is None)."""
    task = asyncio.create_task(work) if work is not None else None
    try:
        yield
    finally:
        if task:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


T = TypeVar("T")
_parsers: anyio.CapacityLimiter | None = None


async def off_the_loop(work: Callable[..., T], *args: Any) -> T:
    """Run CPU-bound work (parsing an upload) in a worker thread, two at a time per process, so the event loop
    goes on answering everyone else (a health check, a region read) meanwhile."""
    global _parsers
    if _parsers is None:
        _parsers = anyio.CapacityLimiter(2)
    return await anyio.to_thread.run_sync(functools.partial(work, *args), limiter=_parsers)
