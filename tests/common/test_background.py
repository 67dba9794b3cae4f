import asyncio
import contextlib

from services.common.background import running


async def test_a_polling_loop_stops_with_its_block_even_when_a_cancellation_is_dropped():
    """A poller like the event consumer's: the answer it awaits arrives in the same instant as the stop's
    cancellation, which Python 3.11's asyncio.wait_for then drops. The loop is still stopped by cancellation, not
    left to run its course."""
    loop = asyncio.get_running_loop()
    awaited: list[asyncio.Future[None]] = []
    ended: list[str] = []

    async def poll() -> None:
        try:
            for _ in range(25):  # about 5 s when nothing stops it
                answer = loop.create_future()
                awaited.append(answer)
                with contextlib.suppress(Exception):  # a source that is down is retried at the next tick
                    await asyncio.wait_for(answer, 0.2)
        except asyncio.CancelledError:
            ended.append("cancelled")
            raise
        ended.append("ran its course")

    async with running(poll()):
        await asyncio.sleep(0.05)
        awaited[-1].set_result(None)  # no await between this and the cancellation on leaving the block
    assert ended == ["cancelled"]
