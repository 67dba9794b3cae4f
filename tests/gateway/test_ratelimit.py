"""Rate limits per principal, shared by gateway replicas through PostgreSQL."""

from datetime import UTC, datetime

import pytest
import time_machine

from gateway.ratelimit import RateLimiter
from services.common.errors import TooManyRequests


@pytest.fixture
def early_in_a_minute(request):
    """Windows are minutes of the clock: a test counting requests starts 5 s into one of its own, so a minute
    turning over mid-test cannot reset its counts."""
    minute = sum(map(ord, request.node.name)) % 60
    with time_machine.travel(datetime(2031, 3, 1, 9, minute, 5, tzinfo=UTC), tick=True):
        yield


async def test_gateway_answers_429_with_retry_after(gw, apps, sessionmakers, auth, early_in_a_minute):
    apps["gateway"].state.rate_limiter = RateLimiter(sessionmakers["gateway"], per_minute=3, anonymous_per_minute=2,
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


async def test_two_replicas_share_one_budget(sessionmakers):
    first = RateLimiter(sessionmakers["gateway"], per_minute=5, anonymous_per_minute=5, flush_seconds=0)
    second = RateLimiter(sessionmakers["gateway"], per_minute=5, anonymous_per_minute=5, flush_seconds=0)
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


async def test_every_gateway_route_is_limited_and_says_how_much_is_left(gw, apps, sessionmakers, auth,
                                                                         early_in_a_minute):
    apps["gateway"].state.rate_limiter = RateLimiter(sessionmakers["gateway"], per_minute=2, anonymous_per_minute=2,
                                                     flush_seconds=0)
    admin = auth("kominfo_admin")
    first = await gw.get("/api/v1/admin/users", headers=admin)
    assert first.status_code == 200
    assert first.headers["ratelimit-policy"] == '"minute";q=2;w=60'
    assert first.headers["ratelimit"].startswith('"minute";r=1;t=')
    assert (await gw.get("/api/v1/admin/users", headers=admin)).status_code == 200
    refused = await gw.get("/api/v1/admin/users", headers=admin)
    assert refused.status_code == 429 and refused.headers["ratelimit"].startswith('"minute";r=0;')
    guesses = [(await gw.post("/auth/token", data={"grant_type": "password", "username": "x@y.id",
                                                   "password": "wrong one"})).status_code for _ in range(3)]
    assert guesses[-1] == 429  # the token endpoint counts too, per address
    proxied = await gw.get("/api/v1/regions/21.72", headers=auth("ksp"))
    assert proxied.headers["ratelimit-policy"] == '"minute";q=2;w=60'


class _Away:
    """A sessionmaker whose database does not answer."""

    def __call__(self):
        raise ConnectionRefusedError("PostgreSQL is restarting")


async def test_the_limiter_keeps_counting_while_the_database_is_away():
    limiter = RateLimiter(_Away(), per_minute=3, anonymous_per_minute=3, flush_seconds=0)
    for _ in range(3):
        await limiter.hit("user:a", anonymous=False)  # flushes fail quietly; counts stay in memory
    with pytest.raises(TooManyRequests):
        await limiter.hit("user:a", anonymous=False)
