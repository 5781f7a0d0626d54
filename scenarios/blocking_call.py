"""A blocking call freezes every task

``time.sleep()`` (or any slow function that never awaits) does not give the loop
back: while it runs, no other task can run, not even one whose timer is long
due. Here a ticker wants to tick every 0.1 s, and a worker calls ``time.sleep(block)``
in the middle of its step. The fix is ``await asyncio.sleep(...)`` for a pause, or
``await asyncio.to_thread(slow_function)`` for real work.

What to look for:

- The worker's lane is *running* for the whole ``block`` seconds: one long step.
- A red band across the whole chart: the loop was blocked (a step longer than
  0.1 s, asyncio's ``slow_callback_duration``).
- The ticker's ``sleep(0.1)`` due at 0.3 s stretches until the block ends: a timer
  fires only when the loop runs its callbacks, so the ticker is not even *ready*
  before then. A 0.1 s sleep that lasted over half a second.
- The event loop's row is busy, without a gap, for the length of the block.
"""

import asyncio
import time

TAGS = ("blocking", "pitfalls", "timers")
ORDER = 70


async def ticker(ticks: int) -> None:
    for _ in range(ticks):
        await asyncio.sleep(0.1)


async def worker(block: float) -> None:
    await asyncio.sleep(0.25)
    time.sleep(block)  # blocks the whole loop: no await here
    await asyncio.sleep(0.1)


async def main(block: float = 0.5) -> None:
    await asyncio.gather(
        asyncio.create_task(ticker(10), name="ticker"),
        asyncio.create_task(worker(block), name="worker"),
    )
    print(f"a blocking call of {block} s delayed every other task by as much")


if __name__ == "__main__":
    asyncio.run(main())
