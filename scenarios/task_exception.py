"""When a task raises

An exception raised inside a task does not crash the program on the spot. The
task simply finishes, holding the exception, and ``await task`` raises it again
in whoever awaits the task, where an ordinary ``try``/``except`` can handle it.
Other tasks are not affected and carry on.

What to look for:

- The ``flaky`` lane is suspended on ``sleep(0.5)`` and ends at 0.5 s: the
  task finished by raising ``ValueError``.
- ``main`` is suspended on ``await flaky`` and is woken by ``flaky`` at 0.5 s;
  the exception surfaces there and is caught.
- The ``steady`` lane keeps sleeping regardless and finishes normally at
  1.0 s, when it wakes ``main`` a second time.
"""

import asyncio

TAGS = ("basics", "tasks", "exceptions")
ORDER = 40


async def fetch_steady() -> str:
    await asyncio.sleep(1.0)
    return "all good"


async def fetch_flaky() -> str:
    await asyncio.sleep(0.5)
    raise ValueError("bad response")


async def main() -> None:
    steady = asyncio.create_task(fetch_steady(), name="steady")
    flaky = asyncio.create_task(fetch_flaky(), name="flaky")

    try:
        await flaky
    except ValueError as exc:
        print(f"{flaky.get_name()} failed: {exc!r}")

    print(f"{steady.get_name()} returned {await steady!r}")


if __name__ == "__main__":
    asyncio.run(main())
