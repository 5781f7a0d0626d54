"""NAME: blocking work, and the fix with ``asyncio.to_thread``

A function that never awaits (a long computation, a library call that blocks, here
``time.sleep`` standing in for one) does not give the loop back: while it runs, no
other task runs, not even one whose timer is long due. ``await
asyncio.to_thread(crunch, ...)`` runs it in a worker thread instead, and the loop goes
on meanwhile. ``how`` chooses: ``"blocking"`` calls it in the task, ``"to_thread"``
hands it to a thread.

What to look for:

- ``how="blocking"``: each job's lane is *running* for ``work`` seconds, one job after
  the other (a red band: the loop was blocked), and the ``heartbeat``'s
  ``sleep(0.1)`` stretches over the whole block: it could not even wake up.
- ``how="to_thread"``: the jobs are suspended on ``to_thread(crunch)`` side by side,
  the run is shorter, and the heartbeat beats every 0.1 s right through.
"""

import asyncio
import contextlib
import time
from typing import Literal

with contextlib.suppress(ImportError):  # (plain `python FILE.py` runs without it)
    from visualizer.checks import about  # the checks' helper: "equal, give or take"

TAGS = ("blocking", "threads", "pitfalls")

# the docstring in Simplified Chinese, shown when the app's language is Chinese
# (keep its bullets in step with the English ones)
EXPLAIN_ZH = """\
NAME：阻塞的工作，以及用 ``asyncio.to_thread`` 修正

一个从不 await 的函数（一段很长的计算、一个会阻塞的库调用，这里用 ``time.sleep``
代替）不会把事件循环让出来：它运行期间，其他任务都无法运行，连定时器早已到期的任务
也不行。``await asyncio.to_thread(crunch, ...)`` 则把它放到一个工作线程里运行，事件
循环在此期间照常运转。``how`` 用来选择：``"blocking"`` 在任务里直接调用它，
``"to_thread"`` 把它交给一个线程。

要看什么：

- ``how="blocking"``：每个作业的泳道都有 ``work`` 秒处于 *运行*（running）状态，一个
  接一个（一条红色色带：事件循环被阻塞了），而 ``heartbeat`` 的 ``sleep(0.1)`` 被拉长
  到覆盖整个阻塞期：它连醒来都做不到。
- ``how="to_thread"``：各个作业并排挂起在 ``to_thread(crunch)`` 上，运行时间更短，
  心跳在这期间照常每 0.1 秒跳动一次。
"""

#: the heartbeat's beat (seconds)
BEAT = 0.1


def crunch(work: float) -> None:
    time.sleep(work)  # stands for work that never awaits: it holds whatever thread runs it


async def job(work: float, how: str) -> None:
    if how == "blocking":
        crunch(work)  # in the task: the whole loop waits
    else:
        await asyncio.to_thread(crunch, work)  # in a worker thread: the loop goes on


async def heartbeat(beats: int) -> None:
    for _ in range(beats):
        await asyncio.sleep(BEAT)


async def main(
    jobs: int = 2, work: float = 0.5, how: Literal["blocking", "to_thread"] = "blocking"
) -> None:
    async with asyncio.TaskGroup() as group:
        group.create_task(heartbeat(round(work / BEAT)), name="heartbeat")
        for number in range(1, jobs + 1):
            group.create_task(job(work, how), name=f"job-{number}")
    print(f"{jobs} jobs of {work} s, {how}")


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_blocking_jobs_run_one_after_the_other(run):
    """Blocking jobs run one at a time; jobs in threads run side by side."""
    first, *others = run.tasks("job-")
    for other in others:
        assert first.ran_concurrently_with(other) == (run.params["how"] == "to_thread")


def check_the_heartbeat_cannot_beat_through_a_block(run):
    """A block holds the heartbeat's sleep(0.1) for the whole block; threads do not."""
    beats = run.task("heartbeat").waits_on("sleep(")
    longest = max(wait.duration for wait in beats)
    if run.params["how"] == "blocking":
        assert longest == about(run.params["jobs"] * run.params["work"])
        assert "blocking-step" in run.insight_kinds
    else:
        assert longest < run.params["work"]
        assert "blocking-step" not in run.insight_kinds


if __name__ == "__main__":
    asyncio.run(main())
