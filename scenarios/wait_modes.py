"""asyncio.wait(): when to wake up

``done, pending = await asyncio.wait(tasks, return_when=..., timeout=...)`` suspends
until the moment ``return_when`` names, then hands back two sets of tasks: those that
are done and those still pending. It raises nothing (an exception stays inside its
task) and cancels nothing: the pending tasks are the caller's to deal with, and here
``main`` cancels them. The three tasks finish at 1 s (``fast``), 2 s (``failing``, with
an exception) and 3 s (``slow``).

What to look for:

- ``main`` is suspended on ``wait`` until the moment ``return_when`` names:
  ``FIRST_COMPLETED`` at 1 s (``fast`` done), ``FIRST_EXCEPTION`` at 2 s (``failing``
  raised), ``ALL_COMPLETED`` at 3 s; it is woken by the task that finished then (an
  arrow).
- At that moment the tasks still pending are cancelled by ``main``: their lanes end
  there with a purple square, cut short in their sleeps. With ``ALL_COMPLETED`` none
  is.
- ``main`` prints the two sets, e.g. ``done ['fast'], pending ['failing', 'slow']``.
- Try ``timeout=1.5``: ``main`` wakes at 1.5 s at the latest, whatever the mode
  (woken by the timer), with the tasks not done yet in ``pending``. (``timeout=0``
  means no timeout.)
"""

import asyncio
from typing import Literal

TAGS = ("wait", "concurrency")
ORDER = 37

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
asyncio.wait()：何时醒来

``done, pending = await asyncio.wait(tasks, return_when=..., timeout=...)`` 挂起，
直到 ``return_when`` 指定的时刻，然后交还两个任务集合：已完成的和仍未完成的。它不抛出
任何异常（异常留在各自的任务里），也不取消任何任务：未完成的任务由调用方处理，这里
``main`` 取消了它们。三个任务分别在 1 秒（``fast``）、2 秒（``failing``，抛出异常）和
3 秒（``slow``）时结束。

要看什么：

- ``main`` 挂起在 ``wait`` 上，直到 ``return_when`` 指定的时刻：``FIRST_COMPLETED``
  在 1 秒（``fast`` 完成），``FIRST_EXCEPTION`` 在 2 秒（``failing`` 抛出异常），
  ``ALL_COMPLETED`` 在 3 秒；唤醒它的是那一刻结束的任务（一支箭头）。
- 就在那一刻，仍未完成的任务被 ``main`` 取消：它们的泳道在那里以一个紫色方块结束，
  sleep 被截断。``ALL_COMPLETED`` 时没有任务被取消。
- ``main`` 打印这两个集合，例如 ``done ['fast'], pending ['failing', 'slow']``。
- 试试 ``timeout=1.5``：无论哪种模式，``main`` 最晚在 1.5 秒时醒来（由定时器唤醒），
  尚未完成的任务都在 ``pending`` 里。（``timeout=0`` 表示不设超时。）
"""


async def job(name: str, seconds: float, fail: bool = False) -> str:
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f"{name} failed")
    return name


async def main(
    return_when: Literal["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"] = "FIRST_COMPLETED",
    timeout: float = 0.0,
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = [
        asyncio.create_task(job("fast", 1.0), name="fast"),
        asyncio.create_task(job("failing", 2.0, fail=True), name="failing"),
        asyncio.create_task(job("slow", 3.0), name="slow"),
    ]
    done, pending = await asyncio.wait(
        tasks,
        return_when=getattr(asyncio, return_when),  # asyncio.FIRST_COMPLETED, ...
        timeout=timeout or None,  # 0: no timeout
    )
    print(
        f"{loop.time() - start:.1f} s: done {sorted(t.get_name() for t in done)}, "
        f"pending {sorted(t.get_name() for t in pending)}"
    )
    for task in sorted(done, key=asyncio.Task.get_name):
        outcome = task.exception() or task.result()  # wait() raised nothing: look inside
        print(f"  {task.get_name()}: {outcome!r}")
    for task in pending:
        task.cancel()  # wait() cancelled nothing: what is left is ours to stop


if __name__ == "__main__":
    asyncio.run(main())
