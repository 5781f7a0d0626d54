"""A coroutine is not a task

Calling an ``async def`` function does not run it: it makes a *coroutine*, an object
that runs only when something drives it. ``await coro`` drives it right there, inside
the caller, like an ordinary call: no new task, and the caller waits for it to finish.
Only a call that makes a task turns a coroutine into one that the event loop runs on its
own: ``asyncio.create_task()``, ``TaskGroup.create_task()``, ``loop.create_task()`` or
``asyncio.ensure_future()``, or ``gather()`` and ``asyncio.run()``, which call them;
``asyncio.run(main())`` makes the first.

What to look for:

- One lane only, ``main``: awaiting the coroutines ``brew()`` and ``toast()`` made no
  task of them.
- ``main`` is suspended on ``sleep(1.0)`` twice, at await sites inside ``brew`` and
  ``toast`` (click a bar to see them): the awaits run in ``main``'s own lane.
- The run takes 2.0 s: one coroutine after the other.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about

TAGS = ("basics", "coroutines")
ORDER = 5

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
协程不是任务

调用一个 ``async def`` 函数并不会运行它：它只是生成一个 *协程*，一个要有人驱动才会
运行的对象。``await coro`` 就在调用方内部当场驱动它，就像普通的函数调用：不会产生新
任务，调用方要等它结束。只有创建任务的调用才会把协程变成由事件循环独立运行的任务：
``asyncio.create_task()``、``TaskGroup.create_task()``、``loop.create_task()`` 或
``asyncio.ensure_future()``，以及内部调用它们的 ``gather()`` 和 ``asyncio.run()``；
``asyncio.run(main())`` 创建了第一个任务。

要看什么：

- 只有一条泳道 ``main``：await 协程 ``brew()`` 和 ``toast()`` 并没有为它们创建任务。
- ``main`` 两次挂起在 ``sleep(1.0)`` 上，await 的位置在 ``brew`` 和 ``toast`` 内部
  （点击横条即可看到）：这些 await 都在 ``main`` 自己的泳道里运行。
- 整个运行用时 2.0 秒：一个协程接着一个协程。
"""


async def brew() -> str:
    await asyncio.sleep(1.0)
    return "coffee"


async def toast() -> str:
    await asyncio.sleep(1.0)
    return "toast"


async def main() -> None:
    coro = brew()  # nothing runs yet: a coroutine object, waiting to be driven
    print(f"made {coro.__qualname__}(), not started")
    drink = await coro  # brew() runs here, inside main
    food = await toast()
    print(f"{drink} and {food}")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_awaiting_a_coroutine_makes_no_task(run):
    """One lane only, main: awaiting the coroutines brew() and toast() made no task."""
    assert run.task_names == ["main"]


def check_the_awaits_run_in_mains_lane(run):
    """main is suspended on sleep(1.0) twice, at await sites inside brew and toast."""
    waits = run.task("main").waits
    assert [wait.what for wait in waits] == ["sleep(1.0)", "sleep(1.0)"]
    assert [wait.line for wait in waits] == ["await asyncio.sleep(1.0)"] * 2
    in_brew, in_toast = (int(wait.site.rsplit(":", 1)[1]) for wait in waits)
    starts = [f.__code__.co_firstlineno for f in (brew, toast, main)]
    assert starts[0] < in_brew < starts[1] < in_toast < starts[2]


def check_one_coroutine_after_the_other(run):
    """The run takes 2.0 s: one coroutine after the other."""
    first, second = run.task("main").waits
    assert first.end <= second.start
    assert run.duration == about(2.0)


if __name__ == "__main__":
    asyncio.run(main())
