"""A Lock protects shared state

Two tasks add to a shared counter by reading it, awaiting something (a database round
trip, say), then writing the new value. Without a lock each reads the value before the
other has written its own, and updates are lost. ``async with lock:`` makes the read,
the await and the write one piece that no other task can interleave with.

What to look for:

- ``locked=False``: both adders are suspended on ``sleep(0.25)`` at the same time, over
  and over; the run takes ``increments`` x 0.25 s (0.75 s with the default 3) and
  prints a count of ``increments`` (``count 3, expected 6``): half the updates lost.
- ``locked=True``: while one adder holds the lock, the other is suspended on
  ``Lock.acquire``, woken by the first when it lets go (an arrow); the sleeps never
  overlap, the run takes twice as long (1.5 s), and no update is lost.
- The ``lock`` row under the tasks stays empty with ``locked=False``: no one takes the
  lock. With ``locked=True`` it is one bar from 0 to 1.5 s in six turns of 0.25 s,
  ``adder-1`` and ``adder-2`` in turn: each holds the lock for its ``sleep(0.25)``, and
  the other takes it the moment it lets go. The tick marks, at 0 s and at each
  hand-over but the last, are an adder starting to wait: the one that let go asks again
  at once and waits its turn.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("synchronization", "lock", "pitfalls")
ORDER = 52

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
用锁（Lock）保护共享状态

两个任务给一个共享计数器加一：先读出它，然后 await 某件事（比如一次数据库往返），再
写回新值。没有锁时，每个任务都在对方写回之前读到了旧值，于是更新丢失了。
``async with lock:`` 让“读、await、写”成为一个整体，其他任务无法插在中间。

要看什么：

- ``locked=False``：两个 adder 一次又一次地同时挂起在 ``sleep(0.25)`` 上；运行用时
  ``increments`` x 0.25 秒（默认值 3 时为 0.75 秒），打印出的计数是 ``increments``
  （``count 3, expected 6``）：一半的更新丢了。
- ``locked=True``：一个 adder 持有锁时，另一个挂起在 ``Lock.acquire`` 上，前者释放
  锁时唤醒它（一支箭头）；两者的 sleep 从不重叠，运行用时翻倍（1.5 秒），没有更新
  丢失。
- 任务泳道下方的 ``lock`` 行在 ``locked=False`` 时一直是空的：没有谁去拿这把锁。
  ``locked=True`` 时它从 0 到 1.5 秒是一整条横条，分成六段、每段 0.25 秒，``adder-1``
  和 ``adder-2`` 轮流持有：每个在自己的 ``sleep(0.25)`` 期间持有锁，它一释放，另一个
  就在同一时刻拿到。刻度线（0 秒处，以及除最后一次以外的每次交接处）是某个 adder
  开始等待：刚释放锁的那个马上又来要，只能排队等下一轮。
"""


async def bump(counter: dict[str, int]) -> None:
    value = counter["value"]
    await asyncio.sleep(0.25)  # a round trip, between the read and the write
    counter["value"] = value + 1


async def adder(counter: dict[str, int], lock: asyncio.Lock, times: int, locked: bool) -> None:
    for _ in range(times):
        if locked:
            async with lock:
                await bump(counter)
        else:
            await bump(counter)


async def main(increments: int = 3, locked: bool = False) -> None:
    counter = {"value": 0}
    lock = asyncio.Lock()
    await asyncio.gather(
        asyncio.create_task(adder(counter, lock, increments, locked), name="adder-1"),
        asyncio.create_task(adder(counter, lock, increments, locked), name="adder-2"),
    )
    print(f"count {counter['value']}, expected {2 * increments}")


# --- the checks: the lesson's claims, proved on a run (asyncviz check-scenario)
def check_without_the_lock_updates_are_lost(run):
    """locked=False: both adders sleep at the same time; increments x 0.25 s; half lost."""
    if run.params["locked"]:
        skip("only with locked=False")
    n = run.params["increments"]
    naps = [nap for adder in run.tasks("adder-") for nap in adder.waits_on("sleep(")]
    assert run.most_at_once(naps) == 2
    assert run.duration == about(n * 0.25)
    assert f"count {n}, expected {2 * n}" in run.output
    assert run.resource("lock").most_held == 0  # (the lock row stays empty)


def check_with_the_lock_they_take_turns(run):
    """locked=True: the sleeps never overlap, each adder waits on Lock.acquire woken by the
    other, the run takes twice as long, and no update is lost."""
    if not run.params["locked"]:
        skip("only with locked=True")
    n = run.params["increments"]
    first, second = run.task("adder-1"), run.task("adder-2")
    naps = first.waits_on("sleep(") + second.waits_on("sleep(")
    assert run.most_at_once(naps) == 1
    for adder, other in ((first, second), (second, first)):
        turns = adder.waits_on("Lock.acquire")
        assert turns and all(turn.woken_by == ("task", other) for turn in turns)
    assert run.duration == about(2 * n * 0.25)
    assert f"count {2 * n}, expected {2 * n}" in run.output
    assert run.resource("lock").most_held == 1


if __name__ == "__main__":
    asyncio.run(main())
