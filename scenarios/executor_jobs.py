"""Blocking work in threads: run_in_executor and to_thread

Blocking work (a slow library call, file I/O, a CPU-bound function) belongs in a
thread so the loop stays free. ``asyncio.to_thread(func, ...)`` runs ``func`` in the
loop's default executor (a thread pool) and gives an awaitable; the task is suspended
on it, and other tasks keep running meanwhile. ``loop.run_in_executor(None, func)``
is the older spelling of the same thing.

What to look for:

- ``main`` and ``fetch-2`` are suspended on ``to_thread(crunch)`` and
  ``run_in_executor(crunch)`` while the ``thread`` rows under the tasks show the
  jobs running.
- The ticker keeps ticking every 0.1 s the whole time: nothing blocks the loop,
  and there is no red band.
- Each task is woken by its job's thread the moment the job finishes: an arrow
  from the thread's row up to the task (and a hexagon where its ready bar begins).
"""

import asyncio
import time

TAGS = ("executor", "threads", "blocking")
ORDER = 80


def crunch(seconds: float) -> float:
    time.sleep(seconds)  # stands for blocking work: fine in a thread
    return seconds


async def ticker(ticks: int) -> None:
    for _ in range(ticks):
        await asyncio.sleep(0.1)


async def fetch(seconds: float) -> float:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, crunch, seconds)


async def main(seconds: float = 0.4) -> None:
    tick = asyncio.create_task(ticker(8), name="ticker")
    other = asyncio.create_task(fetch(seconds * 1.5), name="fetch-2")
    mine = await asyncio.to_thread(crunch, seconds)
    theirs = await other
    await tick
    print(f"two jobs of {mine} s and {theirs} s ran in threads; the ticker never stopped")


if __name__ == "__main__":
    asyncio.run(main())
