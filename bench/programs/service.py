"""A service that never ends: requests come in bursts, are read, queued and handled by a pool."""

import asyncio
import random


async def handle(i: int, jobs: asyncio.Queue[int], rng: random.Random) -> None:
    await asyncio.sleep(rng.uniform(0.005, 0.05))  # reading the request
    await jobs.put(i)


async def worker(jobs: asyncio.Queue[int]) -> None:
    while True:
        await jobs.get()
        await asyncio.sleep(0.001)  # the work
        jobs.task_done()


async def main(seconds: float = 3620.0, rate: float = 1290.0, workers: int = 20) -> None:
    rng = random.Random(1)
    jobs: asyncio.Queue[int] = asyncio.Queue(maxsize=100)
    pool = [asyncio.create_task(worker(jobs), name=f"worker-{k}") for k in range(workers)]
    loop = asyncio.get_running_loop()
    start = loop.time()
    requests: set[asyncio.Task[None]] = set()
    i = 0
    while loop.time() - start < seconds:
        for _ in range(int(rate / 100)):  # a burst every 10 ms
            request = asyncio.create_task(handle(i, jobs, rng), name=f"request-{i}")
            requests.add(request)
            request.add_done_callback(requests.discard)
            i += 1
        await asyncio.sleep(0.01)
    await jobs.join()
    for task in pool:
        task.cancel()


if __name__ == "__main__":
    asyncio.run(main())
