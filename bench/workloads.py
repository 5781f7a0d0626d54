"""The benchmark workloads (issue 2, section 9), as plain coroutines.

(a) ``sleep0``: N tasks each doing 10 ``await asyncio.sleep(0)`` -- pure task steps.
(b) ``pingpong``: N round trips between two tasks over two ``asyncio.Queue`` --
    every step suspends and is woken by the other task.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence


async def _sleeper(steps: int) -> None:
    for _ in range(steps):
        await asyncio.sleep(0)


async def sleep0(tasks: int = 100_000, steps: int = 10) -> None:
    await asyncio.gather(*(_sleeper(steps) for _ in range(tasks)))


async def pingpong(round_trips: int = 100_000, pause: float = 0.0) -> None:
    """``round_trips`` hand-offs between two tasks over two Queues, then a ``sleep(pause)``
    if given (a timer wake, for tests that want one)."""
    ping: asyncio.Queue[int] = asyncio.Queue()
    pong: asyncio.Queue[int] = asyncio.Queue()

    async def responder() -> None:
        for _ in range(round_trips):
            await pong.put(await ping.get())

    other = asyncio.create_task(responder(), name="responder")
    for i in range(round_trips):
        await ping.put(i)
        await pong.get()
    if pause:
        await asyncio.sleep(pause)
    await other


async def queue_pool(round_trips: int = 100_000, workers: int = 10, maxsize: int = 10) -> None:
    """(c) issue 15: ``round_trips`` items through one ``Queue(maxsize=10)``, put by
    ``workers`` producers and got by as many consumers (a resource's every change is
    recorded: two per round trip)."""
    queue: asyncio.Queue[int] = asyncio.Queue(maxsize=maxsize)
    share = round_trips // workers

    async def producer() -> None:
        for i in range(share):
            await queue.put(i)

    async def consumer() -> None:
        for _ in range(share):
            await queue.get()

    await asyncio.gather(
        *(producer() for _ in range(workers)), *(consumer() for _ in range(workers))
    )


async def sleep_errors(delays: Sequence[float], repeat: int) -> dict[float, list[float]]:
    """How late (or early: negative) each ``sleep(d)`` ends, measured around the ``await``
    with ``time.monotonic`` (the loops' clock): ``repeat`` sleeps of each delay."""
    errors: dict[float, list[float]] = {}
    for delay in delays:
        for _ in range(repeat):
            t0 = time.monotonic()
            await asyncio.sleep(delay)
            errors.setdefault(delay, []).append(time.monotonic() - t0 - delay)
    return errors


WORKLOADS = {"sleep0": sleep0, "pingpong": pingpong, "queue_pool": queue_pool}
