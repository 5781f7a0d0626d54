"""A worker that swallows its cancellation: ``cancel()`` does not stop it.

``main`` starts a worker, lets it run, then cancels it and waits for it to end. The
worker catches ``CancelledError`` around its sleep, as if it were any other error,
and goes on with its loop: the cancellation is lost.  ``main``'s ``await worker``
then waits until the worker finishes its rounds by itself, long after it was asked to
stop.  The fix: re-raise ``CancelledError`` after any clean-up (``except
asyncio.CancelledError: ...; raise``), or use ``try/finally`` for clean-up and let it
through.

``asyncviz gui docs/examples/swallowed_cancellation.py --autorun`` shows it: the
Insights pane names the worker and the moment it went on.
"""

import asyncio


async def worker() -> None:
    for _ in range(6):
        try:
            await asyncio.sleep(0.2)  # the cancellation arrives here
        except asyncio.CancelledError:
            print("worker: cancelled, but going on anyway")  # swallowed: no raise
        print("worker: one more round")


async def main() -> None:
    task = asyncio.create_task(worker(), name="worker")
    await asyncio.sleep(0.3)
    task.cancel()
    print("main: cancelled the worker; waiting for it to stop")
    await task  # returns only when the worker ends its rounds by itself
    print(f"main: the worker ended at last, cancelled={task.cancelled()}")


if __name__ == "__main__":
    asyncio.run(main())
