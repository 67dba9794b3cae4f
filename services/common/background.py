"""Work a process does beside answering requests: in the background for its life, or off the event loop."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from typing import Any, TypeVar

import anyio

# How long a cancelled background task has to end before it is cancelled again.
STOP_SECONDS = 1.0


@asynccontextmanager
async def running(work: Coroutine[Any, Any, None] | None) -> AsyncIterator[None]:
    """Run `work` in the background for the life of the block (nothing when it is None)."""
    task = asyncio.create_task(work) if work is not None else None
    try:
        yield
    finally:
        if task:
            # Cancelled until it ends: Python 3.11's asyncio.wait_for (asyncpg's too) returns a result that
            # arrives with the cancellation and drops it, and a polling loop would then run on, holding up the stop.
            while not task.done():
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_SECONDS)
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
