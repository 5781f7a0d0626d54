"""Cancelling a task

``task.cancel()`` asks a task to stop: the next time the task is suspended (or
right away, if it is suspended now) a ``CancelledError`` is raised inside it at
its ``await``. The task can use ``try``/``finally`` to clean up, and that
cleanup may itself await. Whoever awaits the cancelled task gets the
``CancelledError`` too.

What to look for:

- The ``worker`` lane is suspended on ``sleep(1.0)`` again and again, with a
  short running slice between sleeps (one "tick" per second).
- At ``cancel_after`` seconds (2.5 s by default) ``main`` cancels it: the
  worker's third sleep is cut short, halfway, and it is woken by ``main``.
- The worker then runs its ``finally`` block and is suspended once more, on
  ``sleep(0.1)``, while it cleans up.
- ``main`` is suspended on ``await task`` during the cleanup and is woken by
  ``worker`` when the task is finally done, at about 2.6 s.
"""

import asyncio

TAGS = ("tasks", "cancellation")
ORDER = 60


async def worker() -> None:
    try:
        while True:
            await asyncio.sleep(1.0)
            print("worker: tick")
    finally:
        print("worker: cleaning up")
        await asyncio.sleep(0.1)
        print("worker: cleaned up")


async def main(cancel_after: float = 2.5) -> None:
    task = asyncio.create_task(worker(), name="worker")
    await asyncio.sleep(cancel_after)

    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("main: the worker is cancelled now")


if __name__ == "__main__":
    asyncio.run(main())
