"""Async generators: async for, one item at a time

An ``async def`` function with ``yield`` in it is an *async generator*: it can await
between the items it yields, and ``async for`` takes them one by one. It runs in the
task that iterates it, and only when asked: each time ``async for`` wants the next
item, the generator carries on from its last ``yield`` until the next one, then waits
again. Here ``fetch_pages`` fetches ``pages`` pages of results (0.5 s each) and
``main`` processes each page (1.0 s).

What to look for:

- One lane, ``main``: the generator makes no task. Its ``sleep(0.5)`` (a fetch)
  is an await inside ``fetch_pages``, but the wait is ``main``'s: click it to see the
  line in the generator.
- ``mode="async_for"``: fetch and processing take turns, ``sleep(0.5)`` then
  ``sleep(1.0)``, once per page: the generator does not fetch ahead while ``main``
  works. The first page is processed from 0.5 s on.
- ``mode="comprehension"``: ``[page async for page in fetch_pages()]`` collects every
  page first, then ``main`` processes them: all the ``sleep(0.5)`` come first, and the
  first page waits until 1.0 s. Either way the run takes ``pages`` x 1.5 s.
"""

import asyncio
from collections.abc import AsyncIterator
from typing import Literal

TAGS = ("advanced", "syntax")
ORDER = 92

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
异步生成器：async for，一次一项

含有 ``yield`` 的 ``async def`` 函数是 *异步生成器*：它可以在产出的各项之间 await，
``async for`` 一项一项地取。它在迭代它的那个任务里运行，而且只在被要求时才运行：每当
``async for`` 要下一项，生成器就从上一个 ``yield`` 处继续执行到下一个 ``yield``，然后
再次停下。这里 ``fetch_pages`` 取 ``pages`` 页结果（每页 0.5 秒），``main`` 处理每一页
（1.0 秒）。

要看什么：

- 只有一条泳道 ``main``：生成器不会创建任务。它的 ``sleep(0.5)``（一次获取）是
  ``fetch_pages`` 里的一个 await，但等待的是 ``main``：点击它就能看到生成器里的那一行。
- ``mode="async_for"``：获取和处理轮流进行，先 ``sleep(0.5)`` 再 ``sleep(1.0)``，每页
  一次：``main`` 工作时生成器不会提前去取。第一页从 0.5 秒起就开始处理。
- ``mode="comprehension"``：``[page async for page in fetch_pages()]`` 先收集所有
  页，然后 ``main`` 再处理它们：所有的 ``sleep(0.5)`` 都排在前面，第一页要等到 1.0 秒。
  无论哪种方式，运行用时都是 ``pages`` x 1.5 秒。
"""


async def fetch_pages(pages: int) -> AsyncIterator[list[int]]:
    """Yield ``pages`` pages of results, fetching each only when it is asked for."""
    for number in range(pages):
        await asyncio.sleep(0.5)  # fetch one page
        yield [number * 10 + i for i in range(10)]


async def process(page: list[int]) -> int:
    await asyncio.sleep(1.0)  # the work on one page
    return sum(page)


async def main(mode: Literal["async_for", "comprehension"] = "async_for", pages: int = 2) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    total = 0
    if mode == "async_for":
        async for page in fetch_pages(pages):
            print(f"page {page[0] // 10} in hand at {loop.time() - start:.1f} s")
            total += await process(page)
    else:
        collected = [page async for page in fetch_pages(pages)]
        for page in collected:
            print(f"page {page[0] // 10} in hand at {loop.time() - start:.1f} s")
            total += await process(page)
    print(f"total {total} after {loop.time() - start:.1f} s")


if __name__ == "__main__":
    asyncio.run(main())
