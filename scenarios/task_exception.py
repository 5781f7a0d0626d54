"""When a task raises

An exception raised inside a task does not crash the program on the spot. The
task simply finishes, holding the exception, and ``await task`` raises it again
in whoever awaits the task, where an ordinary ``try``/``except`` can handle it.
Other tasks are not affected and carry on.

What to look for:

- The ``flaky`` lane is suspended on ``sleep(0.5)`` and ends at 0.5 s: the
  task finished by raising ``ValueError``.
- ``main`` is suspended on ``Task 'flaky'`` (``await flaky``) and is woken by
  ``flaky`` at 0.5 s; the exception surfaces there and is caught.
- The ``steady`` lane keeps sleeping regardless. ``main`` is then suspended on
  ``Task 'steady'``, which finishes normally at 1.0 s and wakes ``main`` a
  second time.
"""

import asyncio

TAGS = ("basics", "tasks", "exceptions")
ORDER = 40

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
当任务抛出异常

任务里抛出的异常不会当场让程序崩溃。任务只是带着这个异常结束了，而 ``await task``
会在等待它的一方那里重新抛出这个异常，在那里用普通的 ``try``/``except`` 就能处理。
其他任务不受影响，继续运行。

要看什么：

- ``flaky`` 泳道挂起在 ``sleep(0.5)`` 上，并在 0.5 秒时结束：这个任务以抛出
  ``ValueError`` 的方式结束了。
- ``main`` 挂起在 ``Task 'flaky'`` 上（``await flaky``），0.5 秒时被 ``flaky``
  唤醒；异常在那里浮现并被捕获。
- ``steady`` 泳道照样继续睡。随后 ``main`` 挂起在 ``Task 'steady'`` 上；``steady``
  在 1.0 秒时正常结束，并第二次唤醒 ``main``。
"""


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
