"""A deadline: giving up on a slow call with asyncio.timeout()

``main`` asks a slow ``server`` for an answer but will wait at most ``deadline``
seconds: ``async with asyncio.timeout(deadline):`` around the ``await``. The server
takes ``work`` seconds. When the deadline passes first, the timer cancels ``main``,
which passes the cancel on to the ``server`` task it awaits; ``main`` then gets a
``TimeoutError`` and carries on without the answer.

What to look for:

- ``server`` is suspended on ``sleep(2.0)``; at 1.0 s its sleep is cut short and it
  ends cancelled.
- ``main`` waits on ``server`` from 0 s to 1.0 s, then prints ``gave up after 1.0 s``.
- Try ``deadline=3.0``: ``server`` finishes at 2.0 s and ``main`` prints its answer.
"""

import asyncio

TAGS = ("timeouts", "cancellation")
ORDER = 20

EXPLAIN_ZH = """\
截止时间：用 asyncio.timeout() 放弃一个慢调用

``main`` 向一个慢的 ``server`` 要答案，但最多只等 ``deadline`` 秒：在 ``await`` 外面
包一层 ``async with asyncio.timeout(deadline):``。服务器需要 ``work`` 秒。截止时间
先到时，计时器取消 ``main``，``main`` 再把取消传给它正在等待的 ``server`` 任务；
随后 ``main`` 得到 ``TimeoutError``，不带答案继续往下走。

要看什么：

- ``server`` 挂起在 ``sleep(2.0)`` 上；到 1.0 秒时它的睡眠被打断，以被取消结束。
- ``main`` 从 0 秒到 1.0 秒等待 ``server``，然后打印 ``gave up after 1.0 s``。
- 试试 ``deadline=3.0``：``server`` 在 2.0 秒完成，``main`` 打印它的答案。
"""


async def server(work: float) -> int:
    await asyncio.sleep(work)
    return 42


async def main(deadline: float = 1.0, work: float = 2.0) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    task = asyncio.create_task(server(work), name="server")
    try:
        async with asyncio.timeout(deadline):
            answer = await task
        print(f"the answer is {answer}")
    except TimeoutError:
        print(f"gave up after {loop.time() - start:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
