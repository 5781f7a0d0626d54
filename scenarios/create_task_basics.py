"""Creating tasks

``asyncio.create_task()`` wraps a coroutine in a Task and schedules it to run on
the event loop. Creating a task does not run it: ``main()`` keeps the loop until
it reaches an ``await``, and only then do the new tasks get their first turn.
Awaiting a task suspends ``main()`` until that task has finished.

Two tasks that are suspended at the same time wait *together*, so a 1 second
nap and a 2 second nap take about 2 seconds in total, not 3.

What to look for:

- The lanes ``nap-1s`` and ``nap-2s`` appear the moment ``main`` creates them,
  but start out *ready*: they only run once ``main`` suspends on ``await``.
- Both tasks are suspended on ``sleep(...)`` at the same time; the bars overlap.
- ``main`` is suspended on ``await short`` and then on ``await long``; each
  finished task sends a "woken by" arrow back to ``main``.
- The whole run ends at about 2.0 s.
"""

import asyncio

TAGS = ("basics", "tasks")
ORDER = 10


async def nap(seconds: float) -> None:
    await asyncio.sleep(seconds)
    print(f"napped for {seconds} s")


async def main() -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()

    short = asyncio.create_task(nap(1.0), name="nap-1s")
    long = asyncio.create_task(nap(2.0), name="nap-2s")

    # Neither task has run yet: they start when main() awaits.
    await short
    await long

    print(f"finished in {loop.time() - start:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
