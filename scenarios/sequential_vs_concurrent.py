"""Sequential versus concurrent awaits

Awaiting coroutines one after another runs them one after another: the waits
add up. Wrapping them in tasks first lets their waits overlap. This is the
``say_after`` example from the asyncio documentation; run it with
``mode=sequential`` and with ``mode=concurrent`` and compare the two charts.

What to look for:

- ``sequential``: there is only the ``main`` lane. It is suspended on
  ``sleep(1.0)``, then on ``sleep(2.0)``; the run takes 1 + 2 = 3.0 s.
- ``concurrent``: two more lanes, ``say-hello`` and ``say-world``, are
  suspended on their sleeps at the same time; the run takes 2.0 s, the
  length of the longest wait.
- ``concurrent``: ``main`` is suspended on ``await task1`` and ``await task2``
  and is woken by each task as it finishes.
"""

import asyncio
from typing import Literal

TAGS = ("basics", "tasks", "concurrency")
ORDER = 20


async def say_after(delay: float, what: str) -> None:
    await asyncio.sleep(delay)
    print(what)


async def main(mode: Literal["sequential", "concurrent"] = "concurrent") -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()

    if mode == "sequential":
        await say_after(1.0, "hello")
        await say_after(2.0, "world")
    else:
        task1 = asyncio.create_task(say_after(1.0, "hello"), name="say-hello")
        task2 = asyncio.create_task(say_after(2.0, "world"), name="say-world")
        await task1
        await task2

    print(f"{mode}: finished in {loop.time() - start:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
