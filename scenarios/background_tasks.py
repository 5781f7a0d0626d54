"""Fire and forget: keep a reference to your tasks

``asyncio.create_task()`` starts a task and returns it; code that does not need the
result often drops it ("fire and forget"). Two things can then go wrong. The event
loop keeps only a *weak* reference to each task, so a task nothing else refers to can
be garbage-collected before it is done: it vanishes, and all that is left is "Task was
destroyed but it is pending!" on stderr. And ``asyncio.run()`` cancels the tasks still
running when ``main`` returns. The fix, from the asyncio docs: keep each task in a set,
with ``task.add_done_callback(background.discard)`` to drop it once done; the set also
lets ``main`` wait for the tasks still running before it returns.

Here ``main`` starts two background tasks. ``ask`` waits for a reply that a client
delivers at 1.0 s; the client keeps its pending requests in a
``weakref.WeakValueDictionary``, so only ``ask`` holds the future it waits on.
``save-log`` takes 3.0 s. At 0.5 s ``main`` runs the garbage collector
(``gc.collect()``, the short *running* stretch on its lane; in a real program it runs
whenever it likes, so the bug comes and goes); ``main`` is done at 1.5 s.

What to look for:

- ``keep_references=False``: at 0.5 s a warning mark on ``ask``'s lane: "Task was
  destroyed but it is pending!". The lane stays suspended on ``Future`` to the end of
  the chart, with no end mark: the task never finished, and its reply at 1.0 s is
  dropped (the run prints so).
- ``save-log`` is cancelled at 1.5 s, in its ``sleep(3.0)`` (a purple square): ``main``
  returned, and ``asyncio.run()`` cancelled it.
- ``keep_references=True``: no mark; ``ask`` is woken at 1.0 s by the reply (a timer
  callback) and finishes. ``main`` is suspended on ``gather`` from 1.5 s until
  ``save-log`` is done at 3.0 s.
"""

import asyncio
import gc
import weakref
from collections.abc import Coroutine

TAGS = ("pitfalls", "tasks")
ORDER = 93

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
即发即弃：保留对任务的引用

``asyncio.create_task()`` 启动一个任务并返回它；不需要结果的代码常常把它丢掉（“即发
即弃”）。这样会出两种问题。事件循环对每个任务只保留 *弱* 引用，所以没有其他东西引用
的任务可能在完成之前就被垃圾回收：它消失了，只在 stderr 上留下一句 "Task was
destroyed but it is pending!"。另外，``main`` 返回时，``asyncio.run()`` 会取消仍在
运行的任务。asyncio 文档给出的修正办法：把每个任务放进一个集合，并用
``task.add_done_callback(background.discard)`` 在它完成后移除；有了这个集合，
``main`` 还能在返回前等待仍在运行的任务。

这里 ``main`` 启动了两个后台任务。``ask`` 等待一个客户端在 1.0 秒时送来的回复；这个
客户端把待处理的请求保存在 ``weakref.WeakValueDictionary`` 里，所以只有 ``ask`` 持有
它所等待的 future。``save-log`` 要用 3.0 秒。0.5 秒时 ``main`` 运行垃圾回收
（``gc.collect()``，即它泳道上那一小段 *运行*；真实程序里垃圾回收想什么时候运行就什么
时候运行，所以这个 bug 时有时无）；``main`` 在 1.5 秒时结束。

要看什么：

- ``keep_references=False``：0.5 秒时 ``ask`` 的泳道上有一个警告标记："Task was
  destroyed but it is pending!"。这条泳道一直挂起在 ``Future`` 上直到图表结尾，没有
  结束标记：这个任务从未完成，它在 1.0 秒的回复被丢弃了（运行时会打印出来）。
- ``save-log`` 在 1.5 秒时被取消，当时正在 ``sleep(3.0)`` 里（一个紫色方块）：
  ``main`` 返回了，``asyncio.run()`` 取消了它。
- ``keep_references=True``：没有警告标记；``ask`` 在 1.0 秒时被回复（一个定时器回调）
  唤醒并完成。``main`` 从 1.5 秒起挂起在 ``gather`` 上，直到 ``save-log`` 在 3.0 秒时
  完成。
"""


class Client:
    """Delivers replies to requests; forgets a request whose future nobody holds."""

    def __init__(self) -> None:
        self.pending: weakref.WeakValueDictionary[int, asyncio.Future[str]] = (
            weakref.WeakValueDictionary()
        )

    def request(self, number: int, delay: float) -> asyncio.Future[str]:
        loop = asyncio.get_running_loop()
        reply: asyncio.Future[str] = loop.create_future()
        self.pending[number] = reply
        loop.call_later(delay, self.deliver, number)  # the reply arrives later
        return reply

    def deliver(self, number: int) -> None:
        reply = self.pending.pop(number, None)
        if reply is None:
            print(f"reply {number} dropped: nobody is waiting for it")
        else:
            reply.set_result(f"answer {number}")


async def ask(client: Client) -> None:
    answer = await client.request(1, delay=1.0)
    print(f"ask: got {answer!r}")


async def save_log() -> None:
    await asyncio.sleep(3.0)
    print("save-log: saved")


async def main(keep_references: bool = False) -> None:
    client = Client()
    background: set[asyncio.Task[None]] = set()

    def start(coro: Coroutine[None, None, None], name: str) -> None:
        task = asyncio.create_task(coro, name=name)
        if keep_references:
            background.add(task)
            task.add_done_callback(background.discard)

    start(ask(client), "ask")
    start(save_log(), "save-log")
    await asyncio.sleep(0.5)
    gc.collect()  # the garbage collector runs: now, rather than at some random moment
    await asyncio.sleep(1.0)
    if background:
        await asyncio.gather(*background)  # let the background tasks finish
    print("main: done")


if __name__ == "__main__":
    asyncio.run(main())
