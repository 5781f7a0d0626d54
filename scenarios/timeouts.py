"""Timeouts: wait_for() and asyncio.timeout()

Two ways to stop waiting after ``timeout`` seconds: ``await asyncio.wait_for(aw,
timeout)``, and ``async with asyncio.timeout(timeout):`` (Python 3.11+) around any
awaits. When the time is up, ``wait_for()`` *cancels* what it waits for;
``asyncio.timeout()`` cancels the task running the block (here ``main``), which passes
the cancel on to what it is awaiting. Either way a ``CancelledError`` lands at the
work's ``await``, the waiter waits for the work to end, and ``TimeoutError`` is raised
in the waiter. Here the work is a task named ``slow`` that takes 2.0 s, so it has a
lane of its own. A bare coroutine, ``wait_for(slow(), timeout)``, is cancelled the
same way: on 3.11 ``wait_for`` wraps it in a task of its own (a lane with a default
name such as ``Task-1``), on 3.12+ it runs in ``main``'s lane.

What to look for:

- ``slow`` is suspended on ``sleep(2.0)``; at 1.0 s, halfway, its sleep is cut short
  and it ends cancelled (a purple square).
- Who cancels ``slow``: with ``way=timeout`` the timer cancels ``main``, which passes
  the cancel on to ``slow``: a purple triangle above ``slow``'s bar, no arrow. With
  ``way=wait_for`` on Python 3.11, ``wait_for``'s timer wakes ``main`` (a brown
  diamond) and ``main`` cancels ``slow`` (a purple arrow from ``main``); from 3.12
  ``wait_for`` is built on ``asyncio.timeout()``, and the chart shows a purple triangle
  as with ``way=timeout``.
- ``main`` is suspended on ``wait_for(timeout=1.0)`` (``way=wait_for``) or on
  ``Task 'slow'`` (``way=timeout``: the ``async with`` is not an await, the
  ``await work`` inside it is); either way it is last woken at 1.0 s, right after
  ``slow`` has ended (an arrow from ``slow``), and prints ``TimeoutError after 1.0 s``.
  (On 3.11 ``wait_for`` shows two waits: one until its timer, then a sliver until
  ``slow`` has ended.)
- Try ``timeout=3.0``: ``slow`` finishes at 2.0 s and ``main`` prints its result.
"""

import asyncio
import contextlib
import sys
from typing import Literal

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("timeouts", "cancellation")
ORDER = 62

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
超时：wait_for() 与 asyncio.timeout()

有两种办法在 ``timeout`` 秒后停止等待：``await asyncio.wait_for(aw, timeout)``，以及
把任意 await 包在 ``async with asyncio.timeout(timeout):``（Python 3.11+）里。时间一
到，``wait_for()`` 会 *取消* 它所等待的东西；``asyncio.timeout()`` 则取消运行这个代码
块的任务（这里是 ``main``），再由这个任务把取消传给它正在 await 的东西。无论哪种，
``CancelledError`` 都会落在工作的 ``await`` 处，等待方等工作结束，然后在等待方抛出
``TimeoutError``。这里的工作是一个名为 ``slow`` 的任务，耗时
2.0 秒，所以它有自己的泳道。裸协程 ``wait_for(slow(), timeout)`` 也会以同样的方式被
取消：在 3.11 上 ``wait_for`` 把它包装成一个自己的任务（一条默认名字形如
``Task-1`` 的泳道），在 3.12+ 上它在 ``main`` 的泳道里运行。

要看什么：

- ``slow`` 挂起在 ``sleep(2.0)`` 上；1.0 秒时，才睡到一半，它的 sleep 被截断，以取消
  告终（一个紫色方块）。
- 是谁取消了 ``slow``：``way=timeout`` 时，定时器取消 ``main``，``main`` 再把取消
  传给 ``slow``：``slow`` 的横条上方有一个紫色三角形，没有箭头。``way=wait_for`` 时，
  在 Python 3.11 上是 ``wait_for`` 的定时器唤醒 ``main``（一个棕色菱形），再由
  ``main`` 取消 ``slow``（一支来自 ``main`` 的紫色箭头）；从 3.12 起 ``wait_for``
  基于 ``asyncio.timeout()`` 实现，图上和 ``way=timeout`` 一样是一个紫色三角形。
- ``main`` 挂起在 ``wait_for(timeout=1.0)``（``way=wait_for``）或 ``Task 'slow'``
  （``way=timeout``：``async with`` 本身不是 await，其中的 ``await work`` 才是）上；
  无论哪种，它最后都在 1.0 秒、``slow`` 刚结束之后被唤醒（一支来自 ``slow`` 的
  箭头），并打印 ``TimeoutError after 1.0 s``。（在 3.11 上 ``wait_for`` 显示为两段
  等待：一段等到它的定时器，随后很窄的一段等到 ``slow`` 结束。）
- 试试 ``timeout=3.0``：``slow`` 在 2.0 秒时完成，``main`` 打印它的结果。
"""


async def slow() -> str:
    await asyncio.sleep(2.0)  # the slow work
    return "slow finished"


async def main(way: Literal["wait_for", "timeout"] = "wait_for", timeout: float = 1.0) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    work = asyncio.create_task(slow(), name="slow")
    try:
        if way == "wait_for":
            result = await asyncio.wait_for(work, timeout)
        else:
            async with asyncio.timeout(timeout):
                result = await work
        print(f"{result} after {loop.time() - start:.1f} s")
    except TimeoutError:
        print(f"TimeoutError after {loop.time() - start:.1f} s; slow cancelled: {work.cancelled()}")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def _times_out(run):
    """The claims of a timeout hold only when it comes before slow's 2.0 s."""
    if run.params["timeout"] >= 2.0:
        skip("only with a timeout shorter than slow's 2.0 s")
    return run.params["timeout"]


def check_slow_is_cut_short_and_cancelled(run):
    """slow is suspended on sleep(2.0); at the timeout its sleep is cut short and it ends
    cancelled."""
    timeout, slow = _times_out(run), run.task("slow")
    (nap,) = slow.waits
    assert nap.what == "sleep(2.0)" and nap.end == about(timeout)
    assert (slow.outcome, slow.ended) == ("cancelled", about(timeout))


def check_who_cancels_slow(run):
    """way=timeout, and wait_for from 3.12: the timer cancels main, which passes it on (a
    triangle, no arrow); wait_for on 3.11: its timer wakes main, which cancels slow."""
    _times_out(run)
    main, slow = run.task("main"), run.task("slow")
    (nap,) = slow.waits
    if run.params["way"] == "wait_for" and sys.version_info < (3, 12):
        assert main.waits[0].woken_by == ("timer", None)
        assert nap.woken_by == ("cancel", main)
    else:
        assert nap.woken_by == ("cancel", None)


def check_main_is_woken_by_slow_ending_and_times_out(run):
    """main is suspended on wait_for(timeout=...) or on Task 'slow'; it is last woken at the
    timeout, by slow as it ends, and prints TimeoutError."""
    timeout, main, slow = _times_out(run), run.task("main"), run.task("slow")
    label = "wait_for(" if run.params["way"] == "wait_for" else "Task 'slow'"
    waits = main.waits
    assert waits and all(wait.what.startswith(label) for wait in waits)
    assert len(waits) == (2 if label == "wait_for(" and sys.version_info < (3, 12) else 1)
    assert waits[-1].woken_by == ("task", slow) and waits[-1].end == about(timeout)
    assert run.output == f"TimeoutError after {timeout:.1f} s; slow cancelled: True\n"


def check_a_long_timeout_lets_slow_finish(run):
    """timeout=3.0: slow finishes at 2.0 s and main prints its result."""
    if run.params["timeout"] <= 2.0:
        skip("only with a timeout longer than slow's 2.0 s")
    slow = run.task("slow")
    assert (slow.outcome, slow.ended) == ("done", about(2.0))
    assert run.output == "slow finished after 2.0 s\n"


if __name__ == "__main__":
    asyncio.run(main())
