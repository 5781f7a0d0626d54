"""Running tasks together with gather()

``asyncio.gather()`` waits for several awaitables at once and returns their
results as a list in the order they were *passed*, not the order they
finished. (Given bare coroutines, ``gather()`` wraps each one in a task itself;
here the tasks are created first so that each lane has a readable name.)

The three tasks compute factorials, sleeping one second per step, so
``factorial-C`` finishes first and ``factorial-A`` last, yet the printed list
starts with A's result.

What to look for:

- Three lanes that alternate between short *running* slices and long stretches
  suspended on ``sleep(1)``; all three sleep at the same time.
- ``factorial-C`` ends after 1 s, ``factorial-B`` after 2 s and
  ``factorial-A`` after 3 s.
- ``main`` stays suspended on ``gather(...)`` until the slowest task is done,
  then is woken and prints ``[24, 6, 2]``.
"""

import asyncio

TAGS = ("basics", "gather", "concurrency")
ORDER = 30


async def factorial(name: str, number: int) -> int:
    f = 1
    for i in range(2, number + 1):
        print(f"Task {name}: compute factorial({number}), currently i={i}...")
        await asyncio.sleep(1)
        f *= i
    print(f"Task {name}: factorial({number}) = {f}")
    return f


async def main() -> None:
    tasks = [
        asyncio.create_task(factorial(name, number), name=f"factorial-{name}")
        for name, number in [("A", 4), ("B", 3), ("C", 2)]
    ]
    results = await asyncio.gather(*tasks)
    print(results)  # [24, 6, 2]: argument order, not finishing order


if __name__ == "__main__":
    asyncio.run(main())
