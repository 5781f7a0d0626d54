"""NAME: a deadline with ``asyncio.timeout``, and a task cancelled

A job that may take too long gets a deadline: ``async with asyncio.timeout(limit):``
cancels what runs inside it when ``limit`` seconds have passed, and turns that into a
``TimeoutError`` that the code after it can catch. Awaiting a task inside the block
cancels the task too. A task that never ends on its own (a heartbeat) is cancelled with
``task.cancel()`` once nobody needs it.

What to look for:

- ``slow-job`` sleeps for ``work`` seconds, but the deadline comes first: it ends
  *cancelled* at ``limit`` seconds (1.0 s with the defaults), and its ``finally:`` block
  still runs (see its line in the output).
- ``main`` is not cancelled: it catches the ``TimeoutError`` and goes on; half a
  second later it cancels the ``heartbeat`` (the "cancel()" mark), which ends there.
- Try ``work=0.5``: the job ends in time, *done*, and nothing is cut short but the
  heartbeat.
"""

import asyncio
import contextlib

try:  # labelled pins on the timeline; plain `python FILE.py` runs without them
    from visualizer import mark
except ImportError:

    def mark(label: str) -> None:
        pass


with contextlib.suppress(ImportError):  # (plain `python FILE.py` runs without it)
    from visualizer.checks import about  # the checks' helper: "equal, give or take"

TAGS = ("cancellation", "timeouts")

# the docstring in Simplified Chinese, shown when the app's language is Chinese
# (keep its bullets in step with the English ones)
EXPLAIN_ZH = """\
NAME：用 ``asyncio.timeout`` 设定期限，以及取消一个任务

可能耗时过长的作业要有一个期限：``async with asyncio.timeout(limit):`` 在 ``limit``
秒过后取消块内正在运行的代码，并把它变成一个 ``TimeoutError``，后面的代码可以捕获
它。在块内 await 一个任务，也会把这个任务一起取消。一个自己永远不会结束的任务（比如
心跳）在不再需要时用 ``task.cancel()`` 取消。

要看什么：

- ``slow-job`` 要 sleep ``work`` 秒，但期限先到：它在 ``limit`` 秒（默认参数下是
  1.0 秒）时以 *已取消*（cancelled）结束，而它的 ``finally:`` 块仍然会运行（看输出
  里的那一行）。
- ``main`` 没有被取消：它捕获 ``TimeoutError`` 后继续运行；半秒之后它取消
  ``heartbeat``（“cancel()”标记处），心跳就在那里结束。
- 试试 ``work=0.5``：作业按时完成，状态为 *完成*（done），被中途打断的只有心跳。
"""

#: main goes on this long after the job, before it cancels the heartbeat (seconds)
AFTERWARDS = 0.5


async def slow_job(work: float) -> str:
    try:
        await asyncio.sleep(work)
        return "slow-job finished in time"
    finally:
        print("slow-job: cleaning up")  # runs when the job is cancelled, too


async def heartbeat() -> None:
    while True:  # never ends on its own
        await asyncio.sleep(0.25)


async def main(work: float = 2.0, limit: float = 1.0) -> None:
    beat = asyncio.create_task(heartbeat(), name="heartbeat")
    job = asyncio.create_task(slow_job(work), name="slow-job")
    try:
        async with asyncio.timeout(limit):
            print(await job)  # cancelled with main's await when the deadline comes
    except TimeoutError:
        print(f"gave up on slow-job after {limit} s")
    await asyncio.sleep(AFTERWARDS)  # main goes on: only the job was cut short
    mark("cancel()")
    beat.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await beat  # (let it finish being cancelled)


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_the_deadline_cuts_the_job_short(run):
    """The job ends cancelled at the deadline if it takes longer, else done in time."""
    job, work, limit = run.task("slow-job"), run.params["work"], run.params["limit"]
    if work > limit:
        assert job.outcome == "cancelled"
        assert job.ended == about(limit)
    else:
        assert job.outcome == "done"
        assert job.ended == about(work)


def check_the_clean_up_runs(run):
    """The job's finally: block runs, cancelled or not."""
    assert "slow-job: cleaning up" in run.output


def check_main_goes_on_and_cancels_the_heartbeat(run):
    """main goes on after the job and cancels the heartbeat half a second later."""
    beat = run.task("heartbeat")
    job_ended = min(run.params["work"], run.params["limit"])
    assert beat.outcome == "cancelled"
    assert beat.ended == about(job_ended + AFTERWARDS)


if __name__ == "__main__":
    asyncio.run(main())
