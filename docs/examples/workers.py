"""Download a few pages, three at a time (a tutorial's program, as it is)

An ordinary asyncio program: nothing in it knows about asyncviz.
`asyncviz gui docs/examples/workers.py --autorun -- 8` shows it live, in its own process.
"""

import asyncio
import random
import sys


async def fetch(limit: asyncio.Semaphore, page: int) -> int:
    async with limit:
        print(f"fetching page {page}")
        await asyncio.sleep(random.uniform(0.2, 0.6))  # the network
        size = random.randint(1_000, 9_000)
        print(f"page {page}: {size} bytes")
        return size


async def main(pages: int) -> None:
    limit = asyncio.Semaphore(3)
    async with asyncio.TaskGroup() as group:
        tasks = [group.create_task(fetch(limit, p), name=f"page-{p}") for p in range(pages)]
    total = sum(task.result() for task in tasks)
    print(f"{pages} pages, {total} bytes", file=sys.stderr)


if __name__ == "__main__":
    random.seed(4)
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 6))
