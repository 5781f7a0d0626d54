"""Eager tasks: a task that starts inside create_task (Python 3.12+)

Normally ``create_task`` only schedules the new task: it first runs when its creator
gives the loop back at an ``await``. With
``loop.set_task_factory(asyncio.eager_task_factory)`` (Python 3.12+), ``create_task``
runs the new task at once, inside the call, until its first ``await`` that suspends;
a task that finishes without ever suspending (here, a page served from a cache) is
done before ``create_task`` returns and is never scheduled at all. ``eager=False``
shows the usual, lazy start for comparison. On Python 3.11 there are no eager tasks:
the run warns (a mark on ``main``'s lane) and shows the lazy start.

What to look for:

- ``eager=True``: ``news`` is *running* at the same time as ``main``, at the very start:
  its first step (0.03 s of building the request) runs inside ``main``'s step, in
  ``create_task``, and its ``sleep(0.5)`` (the fetch) begins while ``main`` is still
  at work; ``home`` is done at once, with no *ready* time at all.
- ``eager=False``: ``home`` and ``news`` are *ready* from their creation while ``main``
  does its own 0.03 s of work; only when ``main`` suspends on ``gather`` does each
  take its first step, one after the other, and the fetch begins 0.03 s later.
- The order printed at the end says whose first step ran first: ``home, news, main``
  (eager) or ``main, home, news`` (lazy).
"""

import asyncio
import sys
import time
import warnings

TAGS = ("advanced", "tasks")
ORDER = 99

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
急切任务（eager task）：在 create_task 里面就开始运行的任务（Python 3.12+）

通常 ``create_task`` 只是安排新任务：要等创建它的任务在某个 ``await`` 处把事件循环
让出来，新任务才第一次运行。用了
``loop.set_task_factory(asyncio.eager_task_factory)``（Python 3.12+）之后，
``create_task`` 会立即在调用内部运行新任务，直到它第一个真正挂起的 ``await``；一个
从不挂起就完成的任务（这里是从缓存里取出的页面）在 ``create_task`` 返回之前就已完成，
根本不会被调度。``eager=False`` 展示通常的、惰性的启动方式，以便对比。Python 3.11
没有急切任务：运行时会发出警告（``main`` 泳道上的一个标记），并展示惰性启动。

要看什么：

- ``eager=True``：一开始 ``news`` 与 ``main`` 同时处于 *运行* 状态：它的第一步（花
  0.03 秒构造请求）在 ``main`` 的那一步之内、在 ``create_task`` 里面运行，它的
  ``sleep(0.5)``（真正的抓取）在 ``main`` 还在干活时就开始了；``home`` 立即完成，
  完全没有 *就绪* 时间。
- ``eager=False``：``main`` 做它自己那 0.03 秒的工作时，``home`` 和 ``news`` 从创建起
  一直处于 *就绪* 状态；直到 ``main`` 挂起在 ``gather`` 上，它们才一个接一个地运行
  第一步，抓取也因此晚开始 0.03 秒。
- 最后打印的顺序说明了谁的第一步先运行：``home, news, main``（急切）或
  ``main, home, news``（惰性）。
"""


async def get_page(name: str, cache: dict[str, str], order: list[str]) -> str:
    """A page from the cache (no await at all), or else fetched."""
    order.append(name)
    if name in cache:
        return cache[name]  # done in its first step: it never suspends
    time.sleep(0.03)  # (stands for synchronous work in the step: building the request)
    await asyncio.sleep(0.5)  # the fetch
    cache[name] = page = f"<html>{name}</html>"
    return page


async def main(eager: bool = True) -> None:
    if eager and sys.version_info < (3, 12):
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        warnings.warn(
            f"eager tasks need Python 3.12+ (this is {version}): running the lazy start instead",
            stacklevel=1,
        )
        eager = False
    loop = asyncio.get_running_loop()
    before = loop.get_task_factory()
    if eager:
        loop.set_task_factory(asyncio.eager_task_factory)  # type: ignore[attr-defined,unused-ignore]
    try:
        cache = {"home": "<html>home</html>"}
        order: list[str] = []
        home = asyncio.create_task(get_page("home", cache, order), name="home")
        news = asyncio.create_task(get_page("news", cache, order), name="news")
        order.append("main")
        print(f"after create_task: home is {'done' if home.done() else 'not done'}")
        time.sleep(0.03)  # (main's own synchronous work, before its first await)
        await asyncio.gather(home, news)
    finally:
        loop.set_task_factory(before)
    print(f"{'eager' if eager else 'lazy'} start; first steps in this order: {', '.join(order)}")


if __name__ == "__main__":
    asyncio.run(main())
