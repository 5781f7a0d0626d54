"""Limiting concurrency with a Semaphore

An ``asyncio.Semaphore`` holds a number of permits. ``async with sem:`` takes
one, waiting if there are none left, and gives it back at the end of the
block. Here ``workers`` tasks all want to do ``work`` seconds of waiting, but
only ``limit`` of them may do it at the same time, so the work proceeds in
waves and the run takes about ``ceil(workers / limit) * work`` seconds.

What to look for:

- The first ``limit`` workers go straight to ``sleep(1.0)`` (``work`` seconds);
  the others are suspended on ``Semaphore.acquire`` from the start.
- Each time a worker leaves the ``async with`` block, a "woken by" arrow runs
  from it to the next waiting worker, which then starts its own sleep.
- The sleeps form a staircase ``limit`` lanes wide. Try ``limit=1`` (one long
  line) and ``limit=6`` (everything at once).
"""

import asyncio

TAGS = ("synchronization", "semaphore", "concurrency")
ORDER = 50


async def worker(sem: asyncio.Semaphore, work: float) -> None:
    async with sem:
        await asyncio.sleep(work)


async def main(workers: int = 6, limit: int = 2, work: float = 1.0) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1, or no worker could ever start")
    sem = asyncio.Semaphore(limit)
    tasks = [
        asyncio.create_task(worker(sem, work), name=f"worker-{i}") for i in range(1, workers + 1)
    ]
    await asyncio.gather(*tasks)
    print(f"{workers} workers done, at most {limit} at a time")


if __name__ == "__main__":
    asyncio.run(main())
