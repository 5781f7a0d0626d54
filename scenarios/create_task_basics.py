"""Creating tasks

``asyncio.create_task()`` wraps a coroutine in a Task and schedules it to run on
the event loop. Creating a task does not run it: ``main()`` keeps the loop until
it reaches an ``await``, and only then do the new tasks get their first turn.
Awaiting a task suspends ``main()`` until that task has finished.

Two tasks that are suspended at the same time wait *together*, so a 1 second
nap and a 2 second nap take about 2 seconds in total, not 3.

What to look for:

- The lanes ``nap-1s`` and ``nap-2s`` appear the moment ``main`` creates them,
  *ready*: they only run once ``main`` suspends at ``await short``. Here that is a
  few microseconds, too short to see; ``task_waits_its_turn`` makes the wait long.
- Both tasks are suspended at the same time, on ``sleep(1.0)`` and ``sleep(2.0)``;
  the bars overlap.
- ``main`` is suspended on ``Task 'nap-1s'`` (``await short``), then on
  ``Task 'nap-2s'`` (``await long``); each finished task sends a "woken by" arrow
  back to ``main``.
- The whole run ends at about 2.0 s.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about

TAGS = ("basics", "tasks")
ORDER = 10

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
创建任务

``asyncio.create_task()`` 把一个协程包装成 Task，并安排它在事件循环上运行。创建任务
并不会运行它：``main()`` 一直占着事件循环，直到遇到 ``await``，新任务才第一次轮到
运行。await 一个任务会让 ``main()`` 挂起，直到那个任务结束。

同时挂起的两个任务是 *一起* 等待的，所以 1 秒的小憩加 2 秒的小憩总共约 2 秒，而不是
3 秒。

要看什么：

- ``main`` 创建 ``nap-1s`` 和 ``nap-2s`` 的那一刻，它们的泳道就出现了，处于 *就绪*
  （ready）状态：只有等 ``main`` 在 ``await short`` 处挂起后它们才运行。这里只等了
  几微秒，短得看不见；``task_waits_its_turn`` 让这段等待变长。
- 两个任务同时挂起，分别在 ``sleep(1.0)`` 和 ``sleep(2.0)`` 上，两条横条是重叠的。
- ``main`` 先挂起在 ``Task 'nap-1s'`` 上（``await short``），再挂起在
  ``Task 'nap-2s'`` 上（``await long``）；每个结束的任务都有一支“唤醒”箭头指回
  ``main``。
- 整个运行在约 2.0 秒时结束。
"""


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


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_a_new_task_is_ready_until_main_awaits(run):
    """nap-1s and nap-2s appear, ready, the moment main creates them; they only run once
    main suspends at await short."""
    main = run.task("main")
    await_short = main.waits[0]
    assert await_short.what == "Task 'nap-1s'"
    for nap in run.tasks("nap-"):
        assert nap.created_by is main
        first = nap.spans[0]
        assert (first.state, first.start) == ("ready", nap.created)
        assert nap.steps[0].start >= await_short.start


def check_both_naps_sleep_at_once(run):
    """Both tasks are suspended at the same time, on sleep(1.0) and sleep(2.0)."""
    short, long = run.task("nap-1s"), run.task("nap-2s")
    naps = short.waits_on("sleep(1.0)") + long.waits_on("sleep(2.0)")
    assert len(naps) == 2
    assert run.most_at_once(naps) == 2


def check_main_is_woken_by_each_task(run):
    """main is suspended on Task 'nap-1s', then on Task 'nap-2s', woken by each."""
    waits = run.task("main").waits
    assert [wait.what for wait in waits] == ["Task 'nap-1s'", "Task 'nap-2s'"]
    assert [wait.woken_by for wait in waits] == [
        ("task", run.task("nap-1s")),
        ("task", run.task("nap-2s")),
    ]


def check_the_run_ends_at_two_seconds(run):
    """The whole run ends at about 2.0 s."""
    assert run.duration == about(2.0)


if __name__ == "__main__":
    asyncio.run(main())
