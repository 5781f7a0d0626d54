"""Ping-pong: two tasks hand a ball back and forth through queues

``ping`` and ``pong`` each wait on their own ``asyncio.Queue``; whoever gets the ball
holds it for ``hold`` seconds (``await asyncio.sleep(hold)``) and puts it in the other's
queue. Only one of them ever has the ball: the other is suspended on ``Queue.get()``
until the ``put()`` wakes it.

What to look for:

- The two lanes take turns: while ``ping`` sleeps holding the ball, ``pong`` waits on
  ``Queue.get()``, and the other way round.
- Each ``put()`` wakes the other task at once: an arrow from the task that put the ball
  to the one that was waiting.
- With ``rounds=3`` and ``hold=0.5`` the rally ends at 3.0 s (six hits of 0.5 s).
"""

import asyncio

Queue = asyncio.Queue[int]

TAGS = ("tasks", "queue")
ORDER = 10

EXPLAIN_ZH = """\
乒乓：两个任务通过队列来回传球

``ping`` 和 ``pong`` 各自等待自己的 ``asyncio.Queue``；拿到球的一方持球 ``hold`` 秒
（``await asyncio.sleep(hold)``），再把球放进对方的队列。任何时候只有一方拿着球：
另一方挂起在 ``Queue.get()`` 上，直到 ``put()`` 把它唤醒。

要看什么：

- 两条泳道轮流：``ping`` 持球睡眠时，``pong`` 在 ``Queue.get()`` 上等待，反之亦然。
- 每次 ``put()`` 都会立即唤醒对方：一支箭头从放球的任务指向正在等待的任务。
- ``rounds=3``、``hold=0.5`` 时，来回在 3.0 秒结束（六次击球，每次 0.5 秒）。
"""


async def player(name: str, hold: float, mine: Queue, theirs: Queue) -> None:
    # the ball carries the hits left; 0 ends the rally (passed on, so both stop)
    while (ball := await mine.get()) > 0:
        print(f"{name} hits the ball ({ball - 1} hits left)")
        await asyncio.sleep(hold)
        await theirs.put(ball - 1)
    await theirs.put(0)


async def main(rounds: int = 3, hold: float = 0.5) -> None:
    to_ping: Queue = asyncio.Queue()
    to_pong: Queue = asyncio.Queue()
    to_ping.put_nowait(2 * rounds)
    await asyncio.gather(
        asyncio.create_task(player("ping", hold, to_ping, to_pong), name="ping"),
        asyncio.create_task(player("pong", hold, to_pong, to_ping), name="pong"),
    )


if __name__ == "__main__":
    asyncio.run(main())
