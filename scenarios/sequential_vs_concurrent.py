"""Sequential versus concurrent awaits

Awaiting coroutines one after another runs them one after another: the waits
add up. Wrapping them in tasks first lets their waits overlap. This is the
``say_after`` example from the asyncio documentation; run it with
``mode=sequential`` and with ``mode=concurrent`` and compare the two charts.

What to look for:

- ``sequential``: there is only the ``main`` lane. It is suspended on
  ``sleep(1.0)``, then on ``sleep(2.0)``; the run takes 1 + 2 = 3.0 s. The
  blue pins "hello" and "world" mark each print: at 1.0 s and at 3.0 s.
- ``concurrent``: two more lanes, ``say-hello`` and ``say-world``, are
  suspended on their sleeps at the same time; the run takes 2.0 s, the
  length of the longest wait. The pins "hello" and "world" are on those
  lanes now, at 1.0 s and at 2.0 s.
- ``concurrent``: ``main`` is suspended on ``Task 'say-hello'`` (``await task1``),
  then on ``Task 'say-world'`` (``await task2``), and is woken by each task as it
  finishes.
"""

import asyncio
from typing import Literal

try:
    from visualizer import mark
    from visualizer.checks import about, skip
except ImportError:  # (run where the visualizer is not installed: no pins, no checks)

    def mark(label: str) -> None:
        """Nothing to pin on: the run is not traced."""


TAGS = ("basics", "tasks", "concurrency")
ORDER = 20

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
顺序 await 与并发任务

一个接一个地 await 协程，它们就一个接一个地运行：等待时间相加。先把它们包装成任务，
它们的等待就能重叠。这是 asyncio 文档里的 ``say_after`` 例子；分别用
``mode=sequential`` 和 ``mode=concurrent`` 运行，比较两张图。

要看什么：

- ``sequential``：只有 ``main`` 一条泳道。它先挂起在 ``sleep(1.0)`` 上，再挂起在
  ``sleep(2.0)`` 上；整个运行用时 1 + 2 = 3.0 秒。蓝色图钉 "hello" 和 "world" 标出
  每次 print：在 1.0 秒和 3.0 秒。
- ``concurrent``：多了 ``say-hello`` 和 ``say-world`` 两条泳道，它们同时挂起在各自的
  sleep 上；整个运行用时 2.0 秒，即最长那次等待的长度。图钉 "hello" 和 "world" 现在
  在这两条泳道上，在 1.0 秒和 2.0 秒。
- ``concurrent``：``main`` 先挂起在 ``Task 'say-hello'`` 上（``await task1``），
  再挂起在 ``Task 'say-world'`` 上（``await task2``），每个任务结束时都会唤醒它。
"""


async def say_after(delay: float, what: str) -> None:
    await asyncio.sleep(delay)
    print(what)
    mark(what)  # (a pin on the timeline; nothing at all when not traced)


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


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_sequential_waits_add_up(run):
    """sequential: only main, suspended on sleep(1.0) then sleep(2.0); the run takes 3.0 s."""
    if run.params["mode"] != "sequential":
        skip("only with mode=sequential")
    assert run.task_names == ["main"]
    assert [wait.what for wait in run.task("main").waits] == ["sleep(1.0)", "sleep(2.0)"]
    assert run.duration == about(3.0)
    assert run.marks == [(about(1.0), "hello", "main"), (about(3.0), "world", "main")]


def check_concurrent_waits_overlap(run):
    """concurrent: say-hello and say-world sleep at the same time; the run takes 2.0 s."""
    if run.params["mode"] != "concurrent":
        skip("only with mode=concurrent")
    hello, world = run.task("say-hello"), run.task("say-world")
    assert hello.ran_concurrently_with(world)
    assert run.duration == about(2.0)
    assert run.marks == [(about(1.0), "hello", "say-hello"), (about(2.0), "world", "say-world")]


def check_concurrent_main_is_woken_by_each_task(run):
    """concurrent: main waits on Task 'say-hello', then on Task 'say-world', woken by each."""
    if run.params["mode"] != "concurrent":
        skip("only with mode=concurrent")
    waits = run.task("main").waits
    assert [wait.what for wait in waits] == ["Task 'say-hello'", "Task 'say-world'"]
    assert [wait.woken_by for wait in waits] == [
        ("task", run.task("say-hello")),
        ("task", run.task("say-world")),
    ]


if __name__ == "__main__":
    asyncio.run(main())
