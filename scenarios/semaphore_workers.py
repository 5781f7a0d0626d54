"""Limiting concurrency with a Semaphore

An ``asyncio.Semaphore`` holds a number of permits. ``async with sem:`` takes
one, waiting if there are none left, and gives it back at the end of the
block. Here ``workers`` tasks all want to do ``work`` seconds of waiting, but
only ``limit`` of them may do it at the same time, so the work proceeds in
waves and the run takes about ``ceil(workers / limit) * work`` seconds.

What to look for:

- The first ``limit`` workers go straight to ``sleep(1.0)`` (``work`` seconds);
  the others are suspended on ``Semaphore.acquire`` from the start.
- Each time a worker leaves the ``async with`` block, a "woken by" arrow runs
  from it to the next waiting worker, which then starts its own sleep.
- The ``sem`` row under the tasks is at ``2/2 in use``, marked full, for the whole run:
  a worker leaving the block hands its permit straight to the next waiter, so the count
  never drops while one waits. Its tick marks at 0 s are the four workers that start
  waiting.
- The sleeps form a staircase ``limit`` lanes wide. Try ``limit=1`` (one long
  line) and ``limit=6`` (everything at once).
"""

import asyncio
import contextlib
import math

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about

TAGS = ("synchronization", "semaphore", "concurrency")
ORDER = 50

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
用信号量（Semaphore）限制并发

``asyncio.Semaphore`` 持有若干许可。``async with sem:`` 取走一个许可（没有剩余时就
等待），并在块结束时归还。这里 ``workers`` 个任务都想做 ``work`` 秒的等待，但同一时刻
只允许 ``limit`` 个进行，所以工作分成几波，总共约需 ``ceil(workers / limit) * work``
秒。

要看什么：

- 前 ``limit`` 个 worker 直接进入 ``sleep(1.0)``（``work`` 秒）；其余的从一开始就挂起
  在 ``Semaphore.acquire`` 上。
- 每当一个 worker 离开 ``async with`` 块，就有一支“唤醒”箭头从它指向下一个等待的
  worker，后者随即开始自己的 sleep。
- 任务泳道下方的 ``sem`` 行在整个运行期间都是 2 个许可全部在用（2/2），标为已满：
  离开块的 worker 把许可直接交给下一个等待者，所以只要还有人在等，在用的许可数就
  不会减少。它在 0 秒处的刻度线是开始等待的四个 worker。
- 这些 sleep 排成 ``limit`` 条泳道宽的阶梯。试试 ``limit=1``（一条长线）和
  ``limit=6``（全部同时进行）。
"""


async def worker(sem: asyncio.Semaphore, work: float) -> None:
    async with sem:
        await asyncio.sleep(work)


async def main(workers: int = 6, limit: int = 2, work: float = 1.0) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1, or no worker could ever start")
    sem = asyncio.Semaphore(limit)
    tasks = [
        asyncio.create_task(worker(sem, work), name=f"worker-{i}") for i in range(1, workers + 1)
    ]
    await asyncio.gather(*tasks)
    print(f"{workers} workers done, at most {limit} at a time")


# --- the checks: the lesson's claims, proved on a run (asyncviz check-scenario)
def check_the_first_limit_workers_start_at_once(run):
    """The first limit workers go straight to their sleep; the others are suspended on
    Semaphore.acquire from the start."""
    limit, workers = run.params["limit"], run.tasks("worker-")
    for worker in workers[:limit]:
        assert worker.waits_on("Semaphore.acquire") == []
    for worker in workers[limit:]:
        (turn,) = worker.waits_on("Semaphore.acquire")
        assert turn.start == about(0.0)


def check_each_worker_leaving_wakes_the_next(run):
    """Each waiting worker is woken by a worker leaving the async with block."""
    limit, workers = run.params["limit"], run.tasks("worker-")
    for worker in workers[limit:]:
        (turn,) = worker.waits_on("Semaphore.acquire")
        kind, waker = turn.woken_by
        assert kind == "task" and waker in workers[: workers.index(worker)]


def check_the_sleeps_are_a_staircase_limit_lanes_wide(run):
    """At most limit workers sleep at once, so the run takes ceil(workers / limit) x work."""
    limit, work = run.params["limit"], run.params["work"]
    workers = run.tasks("worker-")
    naps = [nap for worker in workers for nap in worker.waits_on("sleep(")]
    assert run.most_at_once(naps) == min(limit, len(workers))
    assert run.resource("sem").most_held == min(limit, len(workers))
    assert run.duration == about(math.ceil(len(workers) / limit) * work)


if __name__ == "__main__":
    asyncio.run(main())
