"""When a task in gather() fails

By default ``asyncio.gather()`` raises the *first* exception one of its tasks raises,
as soon as it is raised: the caller is woken at once, but the other tasks are *not*
cancelled and keep running. With ``return_exceptions=True`` nothing is raised:
``gather()`` waits for every task and returns the exception in the list, in the place
of the task that raised it. Here ``broken`` fails at 0.5 s; ``medium`` and ``slow``
finish at 1.0 s and 1.5 s.

What to look for:

- ``broken`` fails at 0.5 s (a cross); ``medium`` and ``slow`` stay suspended on their
  sleeps and are done at 1.0 s and 1.5 s whatever ``return_exceptions`` is.
- ``return_exceptions=False``: ``main`` is suspended on ``gather(3 awaitables)`` and is
  woken by ``broken`` at 0.5 s; it catches the ``ValueError``, then is suspended on
  ``Task 'medium'`` and ``Task 'slow'`` to let the two still running finish (else
  ``asyncio.run()`` would cancel them when ``main`` returns).
- ``return_exceptions=True``: ``main`` stays on ``gather(3 awaitables)`` until 1.5 s,
  is woken by ``slow`` and prints ``['medium', ValueError('broken failed'), 'slow']``.
"""

import asyncio

TAGS = ("gather", "exceptions")
ORDER = 32

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
gather() 中的任务失败时

默认情况下，``asyncio.gather()`` 在某个任务抛出 *第一个* 异常时立刻把它抛出：调用方
马上被唤醒，但其他任务 *不会* 被取消，它们继续运行。设置 ``return_exceptions=True``
后不抛出任何异常：``gather()`` 等待每一个任务，并把异常放在结果列表中抛出它的那个任务
的位置上。这里 ``broken`` 在 0.5 秒时失败；``medium`` 和 ``slow`` 分别在 1.0 秒和 1.5
秒时完成。

要看什么：

- ``broken`` 在 0.5 秒时失败（一个叉号）；无论 ``return_exceptions`` 是什么，
  ``medium`` 和 ``slow`` 都一直挂起在各自的 sleep 上，分别在 1.0 秒和 1.5 秒时完成。
- ``return_exceptions=False``：``main`` 挂起在 ``gather(3 awaitables)`` 上，0.5 秒时被
  ``broken`` 唤醒；它捕获 ``ValueError``，然后挂起在 ``Task 'medium'`` 和
  ``Task 'slow'`` 上，让仍在运行的两个任务完成（否则 ``main`` 返回时
  ``asyncio.run()`` 会取消它们）。
- ``return_exceptions=True``：``main`` 一直挂起在 ``gather(3 awaitables)`` 上直到 1.5
  秒，被 ``slow`` 唤醒，并打印 ``['medium', ValueError('broken failed'), 'slow']``。
"""


async def job(name: str, seconds: float, fail: bool = False) -> str:
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f"{name} failed")
    return name


async def main(return_exceptions: bool = False) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    medium = asyncio.create_task(job("medium", 1.0), name="medium")
    broken = asyncio.create_task(job("broken", 0.5, fail=True), name="broken")
    slow = asyncio.create_task(job("slow", 1.5), name="slow")
    try:
        results = await asyncio.gather(medium, broken, slow, return_exceptions=return_exceptions)
        print(f"{loop.time() - start:.1f} s: {results}")
    except ValueError as error:
        running = [task.get_name() for task in (medium, slow) if not task.done()]
        print(f"{loop.time() - start:.1f} s: caught {error!r}; still running: {running}")
        # gather() cancelled nothing: wait for the others, or asyncio.run() would
        # cancel them when main() returns
        for task in (medium, slow):
            result = await task
            print(f"{loop.time() - start:.1f} s: {result} is done")


if __name__ == "__main__":
    asyncio.run(main())
