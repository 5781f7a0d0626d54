"""N tasks (default 100,000), each 10 ``await asyncio.sleep(0)``: the many-task run of
issue 18 (``bench/scale.py``), as a program ``asyncviz record`` runs."""

import asyncio
import sys


async def worker() -> None:
    for _ in range(10):
        await asyncio.sleep(0)


async def main(n: int = 100_000) -> None:
    await asyncio.gather(*(worker() for _ in range(n)))


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 100_000))
