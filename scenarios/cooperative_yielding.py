"""Long work that lets others run: await asyncio.sleep(0)

A coroutine that computes without awaiting holds the event loop: no other task runs
until it is done, however long that takes. If the work comes in chunks, an
``await asyncio.sleep(0)`` between them hands the loop back for a moment: every task
that is ready runs, then the work carries on. The work takes as long as before; the
other tasks no longer wait for all of it. Here ``cruncher`` does 30 chunks of 10 ms of
real CPU work, and ``heartbeat`` wants to beat every 0.05 s until the work is done.

What to look for:

- ``mode="hog"``: ``cruncher`` is *running* for 0.3 s in one long step (a red band: the
  loop was blocked). ``heartbeat``'s ``sleep(0.05)`` lasts the whole 0.3 s: it beats
  once, late, and finds the work done.
- ``mode="yield"``: ``cruncher``'s lane looks the same, but it is 30 steps of 10 ms
  (zoom in to see the cuts), and no red band. ``heartbeat`` runs between two of them
  every 0.07 s or so: its short *ready* (orange) stretch is the chunk it waits for.
- Both modes spend 0.3 s on the work: yielding costs almost nothing. The run prints how
  many beats there were and the longest gap between them (0.30 s against 0.07 s).
- The ``finished`` row under the tasks is a thin line (the event clear) during all the
  work, and a filled bar from when ``main`` sets it, right after ``cruncher`` ends. It
  has no tick marks: ``heartbeat`` never waits on the event, it checks ``is_set()``
  after each beat, and ends at its first beat after the row fills.
"""

import asyncio
import time
from typing import Literal

TAGS = ("blocking", "pitfalls")
ORDER = 72

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
让别人也能运行的长时间工作：await asyncio.sleep(0)

一个不 await 就一直计算的协程会霸占事件循环：在它结束之前，其他任务都无法运行，不管
要多久。如果工作可以分块，在块与块之间 ``await asyncio.sleep(0)`` 就会把事件循环
交还片刻：所有就绪的任务都运行一下，然后工作继续。工作本身耗时不变，但其他任务不必
再等它全部完成。这里 ``cruncher`` 做 30 块、每块 10 毫秒的真实 CPU 工作，而
``heartbeat`` 想在工作完成之前每 0.05 秒跳动一次。

要看什么：

- ``mode="hog"``：``cruncher`` 在一长步里 *运行* 了 0.3 秒（一条红色色带：事件循环
  被阻塞了）。``heartbeat`` 的 ``sleep(0.05)`` 持续了整整 0.3 秒：它只迟迟地跳动了
  一次，发现工作已经做完了。
- ``mode="yield"``：``cruncher`` 的泳道看起来一样，但它其实是 30 个 10 毫秒的步
  （放大就能看到切口），而且没有红色色带。``heartbeat`` 大约每 0.07 秒在其中两步之间
  运行一次：它那一小段 *就绪*（橙色）就是在等当前这一块做完。
- 两种模式在工作上都花了 0.3 秒：让出几乎不花代价。运行结束时打印跳动的次数和两次
  跳动之间最长的间隔（0.30 秒对 0.07 秒）。
- 任务泳道下方的 ``finished`` 行在整个工作期间是一条细线（事件未设置），``cruncher``
  一结束 ``main`` 就设置它，从那时起变成实心横条。它没有刻度线：``heartbeat`` 从不
  等待这个事件，只在每次跳动后检查 ``is_set()``，并在这一行填满后的第一次跳动时结束。
"""

CHUNKS = 30
CHUNK = 0.01  # seconds of CPU work per chunk


def crunch(seconds: float) -> int:
    """Real CPU work (sums of squares) for ``seconds``: never awaits, never sleeps."""
    total, n = 0, 0
    until = time.perf_counter() + seconds
    while time.perf_counter() < until:
        total += n * n
        n += 1
    return total


async def cruncher(mode: str) -> None:
    for _ in range(CHUNKS):
        crunch(CHUNK)
        if mode == "yield":
            await asyncio.sleep(0)  # let every ready task run, then carry on


async def heartbeat(finished: asyncio.Event) -> None:
    loop = asyncio.get_running_loop()
    last = start = loop.time()
    beats, longest = 0, 0.0
    while not finished.is_set():
        await asyncio.sleep(0.05)
        now = loop.time()
        beats, longest, last = beats + 1, max(longest, now - last), now
    print(f"{beats} beat(s) in {last - start:.2f} s; longest gap {longest:.2f} s")


async def main(mode: Literal["hog", "yield"] = "hog") -> None:
    finished = asyncio.Event()
    beating = asyncio.create_task(heartbeat(finished), name="heartbeat")
    await asyncio.create_task(cruncher(mode), name="cruncher")
    finished.set()
    await beating


if __name__ == "__main__":
    asyncio.run(main())
