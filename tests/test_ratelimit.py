"""Rate limits per principal, shared by gateway replicas through PostgreSQL."""

import pytest

from gateway.ratelimit import RateLimiter
from services.common.errors import TooManyRequests


async def test_gateway_answers_429_with_retry_after(gw, apps, sessionmaker, auth):
    apps["gateway"].state.rate_limiter = RateLimiter(sessionmaker, per_minute=3, anonymous_per_minute=2,
                                                     flush_seconds=0)
    headers = auth("bappenas")
    codes = [(await gw.get("/api/v1/regions/21.72", headers=headers)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = await gw.get("/api/v1/regions/21.72", headers=headers)
    assert refused.headers["content-type"] == "application/problem+json"
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    anonymous = [(await gw.get("/api/v1/regions/16.03")).status_code for _ in range(3)]
    assert anonymous == [200, 200, 429]  # per IP, its own budget
    assert (await gw.get("/api/v1/regions/16.03", headers=auth("ksp"))).status_code == 200  # others unaffected


async def test_two_replicas_share_one_budget(sessionmaker):
    first = RateLimiter(sessionmaker, per_minute=5, anonymous_per_minute=5, flush_seconds=0)
    second = RateLimiter(sessionmaker, per_minute=5, anonymous_per_minute=5, flush_seconds=0)
    admitted = 0
    for replica in [first, second] * 4:
        try:
            await replica.hit("client:kemenkeu-djpk", anonymous=False)
            admitted += 1
        except TooManyRequests:
            pass
    # Each replica learns the other's count at its own flush, so at most one extra request slips through.
    assert 5 <= admitted <= 6
    with pytest.raises(TooManyRequests):
        await first.hit("client:kemenkeu-djpk", anonymous=False)
