"""Cancelling a task

``task.cancel()`` only asks a task to stop, and returns at once: nothing happens
inside the task yet. When the event loop next runs the task, a ``CancelledError``
is raised inside it at the ``await`` where it is suspended. The task can use
``try``/``finally`` to clean up, and that cleanup may itself await. Whoever awaits
the cancelled task gets the ``CancelledError`` too.

What to look for:

- The ``worker`` lane is suspended on ``sleep(1.0)`` again and again, with a
  short running slice between sleeps (one "tick" per second).
- At ``cancel_after`` seconds (2.5 s by default) ``main`` cancels it (the
  blue pin "task.cancel()" on ``main``'s lane): the worker's third sleep is cut
  short, halfway, and it is woken by ``main`` (a purple arrow).
- The worker then runs its ``finally`` block and is suspended once more, on
  ``sleep(0.5)``, while it cleans up.
- ``main`` is suspended on ``Task 'worker'`` (``await task``) during the cleanup
  and is woken by ``worker`` when the task is finally done, at 3.0 s.
"""

import asyncio
import itertools
import math

try:
    from visualizer import mark
    from visualizer.checks import about
except ImportError:  # (run where the visualizer is not installed: no pins, no checks)

    def mark(label: str) -> None:
        """Nothing to pin on: the run is not traced."""


TAGS = ("tasks", "cancellation")
ORDER = 60

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
取消任务

``task.cancel()`` 只是请求一个任务停止，并且立即返回：任务里此时还什么都没发生。等
事件循环下一次运行这个任务时，才会在它挂起所在的 ``await`` 处抛出
``CancelledError``。任务可以用 ``try``/``finally`` 做清理，清理本身也可以 await。
等待这个被取消任务的一方同样会收到 ``CancelledError``。

要看什么：

- ``worker`` 泳道一次又一次地挂起在 ``sleep(1.0)`` 上，两次 sleep 之间有一小段运行
  （每秒“跳动”一次）。
- 在第 ``cancel_after`` 秒（默认 2.5 秒）``main`` 取消它（``main`` 泳道上的蓝色图钉
  "task.cancel()"）：worker 的第三次 sleep 在一半处被截断，唤醒它的是 ``main``（紫色
  箭头）。
- 随后 worker 运行它的 ``finally`` 块，清理时又挂起了一次，挂起在 ``sleep(0.5)`` 上。
- 清理期间 ``main`` 挂起在 ``Task 'worker'`` 上（``await task``），3.0 秒时任务真正
  结束，``worker`` 唤醒了它。
"""


async def worker() -> None:
    try:
        while True:
            await asyncio.sleep(1.0)
            print("worker: tick")
    finally:
        print("worker: cleaning up")
        await asyncio.sleep(0.5)
        print("worker: cleaned up")


async def main(cancel_after: float = 2.5) -> None:
    task = asyncio.create_task(worker(), name="worker")
    await asyncio.sleep(cancel_after)

    mark("task.cancel()")  # (a pin on the timeline; nothing at all when not traced)
    task.cancel()
    try:
        await task
    except asyncio.CancelledError:
        print("main: the worker is cancelled now")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_the_worker_ticks_once_a_second(run):
    """The worker lane is suspended on sleep(1.0) again and again, with a short running
    slice between sleeps."""
    ticks = run.task("worker").waits_on("sleep(1.0)")
    assert len(ticks) == max(math.ceil(run.params["cancel_after"]), 1)
    assert [tick.start for tick in ticks] == [about(float(n)) for n in range(len(ticks))]
    assert all(a.end <= b.start for a, b in itertools.pairwise(ticks))


def check_main_cancels_the_sleep_underway(run):
    """At cancel_after main cancels the worker (the pin on main's lane): the sleep underway
    is cut short, woken by main."""
    after, main = run.params["cancel_after"], run.task("main")
    assert run.marks == [(about(after), "task.cancel()", "main")]
    cut = run.task("worker").waits_on("sleep(1.0)")[-1]
    assert cut.end == about(after)
    assert cut.woken_by == ("cancel", main)


def check_the_worker_cleans_up_in_its_finally(run):
    """The worker then runs its finally block and is suspended once more, on sleep(0.5)."""
    after, worker = run.params["cancel_after"], run.task("worker")
    cleanup = worker.waits[-1]
    assert cleanup.what == "sleep(0.5)"
    assert (cleanup.start, cleanup.end) == (about(after), about(after + 0.5))
    assert worker.outcome == "cancelled"
    assert "worker: cleaning up\nworker: cleaned up\n" in run.output


def check_main_waits_for_the_cleanup(run):
    """main is suspended on Task 'worker' during the cleanup and is woken by worker when
    the task is finally done, at cancel_after + 0.5 s."""
    after, main, worker = run.params["cancel_after"], run.task("main"), run.task("worker")
    last = main.waits[-1]
    assert last.what == "Task 'worker'" and last.start == about(after)
    assert last.woken_by == ("task", worker)
    assert last.end == about(worker.ended)
    assert worker.ended == about(after + 0.5)
    assert run.output.endswith("main: the worker is cancelled now\n")


if __name__ == "__main__":
    asyncio.run(main())
