"""Requests per principal (or per IP when anonymous) per minute, counted in PostgreSQL.

Every gateway replica increments the same row, so the limit holds however many run.
The table is UNLOGGED: counters need no crash safety, and that keeps the write cheap.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import async_sessionmaker

from services.common.errors import TooManyRequests

from .models import RateLimitWindow

_BUMP = text(
    "INSERT INTO auth.rate_limit_window (principal, window_start, hits) VALUES (:p, :w, 1) "
    "ON CONFLICT (principal, window_start) DO UPDATE SET hits = auth.rate_limit_window.hits + 1 "
    "RETURNING hits")


class RateLimiter:
    def __init__(self, sessionmaker: async_sessionmaker, *, per_minute: int, anonymous_per_minute: int):
        self.sessionmaker = sessionmaker
        self.per_minute = per_minute
        self.anonymous_per_minute = anonymous_per_minute
        self._last_sweep = 0.0

    async def hit(self, key: str, anonymous: bool) -> None:
        now = time.time()
        window = int(now // 60) * 60
        limit = self.anonymous_per_minute if anonymous else self.per_minute
        async with self.sessionmaker() as session, session.begin():
            hits = await session.scalar(_BUMP, {"p": key, "w": datetime.fromtimestamp(window, UTC)})
            if now - self._last_sweep > 60:
                self._last_sweep = now
                await session.execute(delete(RateLimitWindow).where(
                    RateLimitWindow.window_start < datetime.fromtimestamp(window - 120, UTC)))
        if hits is not None and hits > limit:
            retry = max(1, int(window + 60 - now))
            raise TooManyRequests(f"More than {limit} requests this minute; retry in {retry}s",
                                  headers={"Retry-After": str(retry)})
