"""Requests per principal (or per IP when anonymous) per minute, shared through PostgreSQL.

Each gateway replica counts locally and, every `flush_seconds`, adds its counts to the shared
row for the minute and reads back the total of all replicas. A request is refused when the
shared total plus the local count not yet flushed passes the limit. The limit therefore holds
across replicas to within what they admit in one flush interval, without a database write on
every request. The table is UNLOGGED: counters need no crash safety, and that keeps writes cheap.
While PostgreSQL is unreachable each replica goes on counting in memory and adds its counts once
the database answers again.

Answers carry the IETF RateLimit headers: `RateLimit-Policy: "minute";q=<limit>;w=60` and
`RateLimit: "minute";r=<remaining>;t=<seconds to reset>`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.common.errors import TooManyRequests

from .models import RateLimitWindow

log = logging.getLogger("smartcity.ratelimit")

_ADD = text(
    "INSERT INTO auth.rate_limit_window (principal, window_start, hits) VALUES (:p, :w, :n) "
    "ON CONFLICT (principal, window_start) DO UPDATE SET hits = auth.rate_limit_window.hits + :n "
    "RETURNING hits")


@dataclass(frozen=True)
class Quota:
    limit: int
    remaining: int
    reset: int

    def headers(self) -> dict[str, str]:
        return {"RateLimit-Policy": f'"minute";q={self.limit};w=60',
                "RateLimit": f'"minute";r={self.remaining};t={self.reset}'}


class RateLimiter:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession], *, per_minute: int, anonymous_per_minute: int,
                 flush_seconds: float = 0.5):
        self.sessionmaker = sessionmaker
        self.per_minute = per_minute
        self.anonymous_per_minute = anonymous_per_minute
        self.flush_seconds = flush_seconds
        self._window = 0
        self._pending: dict[str, int] = defaultdict(int)
        self._shared: dict[str, int] = defaultdict(int)
        self._last_flush = 0.0
        self._lock = asyncio.Lock()

    async def hit(self, key: str, anonymous: bool) -> Quota:
        now = time.time()
        window = int(now // 60) * 60
        if window != self._window:
            await self.flush()  # the old minute's counts still belong to the old row
            self._window, self._shared = window, defaultdict(int)
        limit = self.anonymous_per_minute if anonymous else self.per_minute
        reset = max(1, int(window + 60 - now))
        used = self._shared[key] + self._pending[key]
        if used >= limit:
            raise TooManyRequests(f"More than {limit} requests this minute; retry in {reset}s",
                                  headers={"Retry-After": str(reset), **Quota(limit, 0, reset).headers()})
        self._pending[key] += 1
        if now - self._last_flush >= self.flush_seconds:
            await self.flush()
        return Quota(limit, max(0, limit - used - 1), reset)

    async def flush(self) -> None:
        if self._lock.locked():
            return  # another request is flushing; counts wait for the next one
        async with self._lock:
            self._last_flush = time.time()
            pending, self._pending = self._pending, defaultdict(int)
            if not pending or not self._window:
                return
            stamp = datetime.fromtimestamp(self._window, UTC)
            try:
                async with self.sessionmaker() as session, session.begin():
                    for key, n in sorted(pending.items()):
                        self._shared[key] = int(await session.scalar(_ADD, {"p": key, "w": stamp, "n": n}))
                    await session.execute(delete(RateLimitWindow).where(
                        RateLimitWindow.window_start < datetime.fromtimestamp(self._window - 120, UTC)))
            except Exception as exc:  # the database is away: keep the counts here and add them later
                for key, n in pending.items():
                    self._pending[key] += n
                log.warning("rate limit counts kept in memory: %s", type(exc).__name__)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.flush()
