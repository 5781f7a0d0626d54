"""Running tasks together with gather()

``asyncio.gather()`` waits for several awaitables at once and returns their
results as a list in the order they were *passed*, not the order they
finished. (Given bare coroutines, ``gather()`` wraps each one in a task itself;
here the tasks are created first so that each lane has a readable name.)

The three tasks compute factorials, sleeping one second per step, so
``factorial-C`` finishes first and ``factorial-A`` last, yet the printed list
starts with A's result.

What to look for:

- Three lanes that alternate between short *running* slices and long stretches
  suspended on ``sleep(1.0)`` (``await asyncio.sleep(1)``); all three sleep at the
  same time.
- ``factorial-C`` ends after 1 s, ``factorial-B`` after 2 s and
  ``factorial-A`` after 3 s.
- ``main`` stays suspended on ``gather(3 awaitables)`` until the slowest task is
  done, then is woken and prints ``[24, 6, 2]``.
"""

import asyncio

TAGS = ("basics", "gather", "concurrency")
ORDER = 30

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
用 gather() 让任务一起运行

``asyncio.gather()`` 同时等待多个可等待对象，并按它们 *传入* 的顺序（而不是完成的
顺序）返回结果列表。（如果传入的是裸协程，``gather()`` 会自己把每个协程包装成任务；
这里先创建任务，好让每条泳道都有一个易读的名字。）

三个任务计算阶乘，每一步睡一秒，所以 ``factorial-C`` 最先完成、``factorial-A`` 最后
完成，但打印出的列表却以 A 的结果开头。

要看什么：

- 三条泳道交替出现短暂的 *运行*（running）片段和长时间挂起在 ``sleep(1.0)`` 上的
  片段（``await asyncio.sleep(1)``）；三个任务同时在睡。
- ``factorial-C`` 在 1 秒后结束，``factorial-B`` 在 2 秒后，``factorial-A`` 在 3 秒后。
- ``main`` 一直挂起在 ``gather(3 awaitables)`` 上，直到最慢的任务完成，然后被唤醒
  并打印 ``[24, 6, 2]``。
"""


async def factorial(name: str, number: int) -> int:
    f = 1
    for i in range(2, number + 1):
        print(f"Task {name}: compute factorial({number}), currently i={i}...")
        await asyncio.sleep(1)
        f *= i
    print(f"Task {name}: factorial({number}) = {f}")
    return f


async def main() -> None:
    tasks = [
        asyncio.create_task(factorial(name, number), name=f"factorial-{name}")
        for name, number in [("A", 4), ("B", 3), ("C", 2)]
    ]
    results = await asyncio.gather(*tasks)
    print(results)  # [24, 6, 2]: argument order, not finishing order


if __name__ == "__main__":
    asyncio.run(main())
