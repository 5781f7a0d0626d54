"""Blocking work in threads: run_in_executor and to_thread

Blocking I/O-style work (a slow library call, file I/O) belongs in a thread so the
loop stays free. (A pure-Python CPU-bound function in a thread keeps the loop free too,
but gains nothing in speed: see ``cpu_bound_work``.) ``asyncio.to_thread(func, ...)``
runs ``func`` in the loop's default executor (a thread pool) and gives an awaitable;
the task is suspended on it, and other tasks keep running meanwhile.
``loop.run_in_executor(None, func)`` is the older spelling of the same thing.

What to look for:

- ``main`` and ``fetch-2`` are suspended on ``to_thread(crunch)`` and
  ``run_in_executor(crunch)`` while the ``thread`` rows under the tasks show the
  jobs running.
- The ticker keeps ticking every 0.1 s the whole time: nothing blocks the loop,
  and there is no red band.
- Each task is woken by its job's thread the moment the job finishes: an arrow
  from the thread's row up to the task (and a hexagon above the bar where it is
  woken).
"""

import asyncio
import time

TAGS = ("executor", "threads", "blocking")
ORDER = 80

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
把阻塞工作放进线程：run_in_executor 与 to_thread

I/O 类的阻塞工作（慢的库调用、文件 I/O）应该放到线程里，让事件循环保持空闲。（纯
Python 的 CPU 密集函数放进线程同样能让事件循环保持空闲，但速度上毫无收益：见
``cpu_bound_work``。）``asyncio.to_thread(func, ...)`` 在事件循环默认的执行器（一个线程池）里运行
``func``，并返回一个可等待对象；任务挂起在它上面，其他任务照常运行。
``loop.run_in_executor(None, func)`` 是同一件事的老写法。

要看什么：

- ``main`` 和 ``fetch-2`` 分别挂起在 ``to_thread(crunch)`` 和
  ``run_in_executor(crunch)`` 上，同时任务下方的 ``thread`` 行显示这些作业正在运行。
- ticker 全程每 0.1 秒跳动一次：没有任何东西阻塞事件循环，也没有红色色带。
- 作业一结束，对应的线程就唤醒它的任务：一支箭头从线程那一行向上指到任务（任务被
  唤醒处的横条上方还有一个六边形标记）。
"""


def crunch(seconds: float) -> float:
    time.sleep(seconds)  # stands for blocking work: fine in a thread
    return seconds


async def ticker(ticks: int) -> None:
    for _ in range(ticks):
        await asyncio.sleep(0.1)


async def fetch(seconds: float) -> float:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, crunch, seconds)


async def main(seconds: float = 0.4) -> None:
    tick = asyncio.create_task(ticker(8), name="ticker")
    other = asyncio.create_task(fetch(seconds * 1.5), name="fetch-2")
    mine = await asyncio.to_thread(crunch, seconds)
    theirs = await other
    await tick
    print(f"two jobs of {mine:.1f} s and {theirs:.1f} s ran in threads; the ticker never stopped")


if __name__ == "__main__":
    asyncio.run(main())
