"""NAME: at most ``limit`` jobs at a time, with a Semaphore

An ``asyncio.Semaphore`` holds ``limit`` permits. ``async with sem:`` takes one,
waiting while there is none left, and gives it back at the end of the block. Here
``jobs`` jobs each want ``work`` seconds of waiting (a download, say), but only
``limit`` may do it at once: the work goes in waves, and the run takes
``ceil(jobs / limit) * work`` seconds.

What to look for:

- The first ``limit`` jobs go straight to their ``sleep(...)``; the others are
  suspended on ``Semaphore.acquire`` from the start.
- Each time a job leaves the ``async with`` block, a "woken by" arrow runs from it
  to the next waiting job, which starts its own sleep at once.
- The sleeps form a staircase ``limit`` lanes wide: never more than ``limit`` at once.
- Try ``limit=1`` (one long line) and ``limit=6`` (everything at once).
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (plain `python FILE.py` runs without it)
    from visualizer.checks import about  # the checks' helper: "equal, give or take"

TAGS = ("semaphore", "concurrency", "synchronization")

# the docstring in Simplified Chinese, shown when the app's language is Chinese
# (keep its bullets in step with the English ones)
EXPLAIN_ZH = """\
NAME：用信号量（Semaphore）让同时进行的作业不超过 ``limit`` 个

``asyncio.Semaphore`` 持有 ``limit`` 个许可。``async with sem:`` 取走一个许可（没有
剩余时就等待），并在块结束时归还。这里 ``jobs`` 个作业各要等待 ``work`` 秒（比如一次
下载），但同一时刻只允许 ``limit`` 个进行：工作分成几波完成，整个运行需要
``ceil(jobs / limit) * work`` 秒。

要看什么：

- 前 ``limit`` 个作业直接进入各自的 ``sleep(...)``；其余的从一开始就挂起在
  ``Semaphore.acquire`` 上。
- 每当一个作业离开 ``async with`` 块，就有一支“唤醒”箭头从它指向下一个等待的作业，
  后者随即开始自己的 sleep。
- 这些 sleep 排成 ``limit`` 条泳道宽的阶梯：同时进行的从不超过 ``limit`` 个。
- 试试 ``limit=1``（一条长线）和 ``limit=6``（全部同时进行）。
"""


async def job(sem: asyncio.Semaphore, work: float) -> None:
    async with sem:  # waits here while `limit` jobs hold a permit
        await asyncio.sleep(work)  # the work itself


async def main(jobs: int = 6, limit: int = 2, work: float = 1.0) -> None:
    if limit < 1:
        raise ValueError("limit must be at least 1, or no job could ever start")
    sem = asyncio.Semaphore(limit)
    async with asyncio.TaskGroup() as group:
        for number in range(1, jobs + 1):
            group.create_task(job(sem, work), name=f"job-{number}")
    print(f"{jobs} jobs done, at most {limit} at a time")


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_never_more_than_limit_at_once(run):
    """Never more than limit jobs do their work at the same time."""
    limit = run.params["limit"]
    work = [wait for job in run.tasks("job-") for wait in job.waits_on("sleep(")]
    assert run.most_at_once(work) == min(limit, run.params["jobs"])


def check_the_others_wait_their_turn(run):
    """The jobs after the first limit ones wait on Semaphore.acquire, woken by a job."""
    limit = run.params["limit"]
    for job in run.tasks("job-")[limit:]:
        assert job.waits_on("Semaphore.acquire")
        assert job.woken_by("task")


def check_the_work_goes_in_waves(run):
    """The run takes ceil(jobs / limit) * work seconds."""
    jobs, limit, work = run.params["jobs"], run.params["limit"], run.params["work"]
    waves = -(-jobs // limit)
    assert run.duration == about(waves * work)


if __name__ == "__main__":
    asyncio.run(main())
