"""Work a process does beside answering requests: started with the app, cancelled when it stops."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any


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
