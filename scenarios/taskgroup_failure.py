"""TaskGroup: one failure cancels the rest

``async with asyncio.TaskGroup() as group:`` runs the tasks made with
``group.create_task()`` and waits for all of them at the end of the block: no task
outlives the block (*structured concurrency*). If one fails, the group cancels the
others, waits for them to finish cancelling, then raises every error together in an
``ExceptionGroup``, which ``except*`` takes apart.

What to look for:

- ``main`` is suspended on ``TaskGroup`` at the end of the ``async with`` block.
- ``quick`` finishes at 0.5 s; ``broken`` fails at 1.0 s (a cross).
- At that moment ``slow`` is cancelled (a purple square) although it had another second
  to sleep, and ``main`` is woken: the run takes 1.0 s, not 2.0 s, and ``main`` prints
  the error it caught with ``except*``.
- Try ``fail=False``: all three finish and the run takes 2.0 s.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("advanced", "taskgroup", "exceptions", "cancellation")
ORDER = 65

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
TaskGroup：一个失败，其余取消

``async with asyncio.TaskGroup() as group:`` 运行用 ``group.create_task()`` 创建的
任务，并在块结束处等待它们全部完成：没有任务能活过这个块（*结构化并发*）。如果其中
一个失败，任务组会取消其他任务，等它们取消完毕，然后把所有错误放进一个
``ExceptionGroup`` 一起抛出，用 ``except*`` 就能把它们拆开处理。

要看什么：

- ``main`` 在 ``async with`` 块的结尾挂起在 ``TaskGroup`` 上。
- ``quick`` 在 0.5 秒时完成；``broken`` 在 1.0 秒时失败（一个叉号）。
- 就在那一刻，``slow`` 被取消了（一个紫色方块），尽管它还要再睡一秒；``main`` 被
  唤醒：运行用时 1.0 秒而不是 2.0 秒，``main`` 打印出它用 ``except*`` 捕获的错误。
- 试试 ``fail=False``：三个任务都会完成，运行用时 2.0 秒。
"""


async def job(name: str, seconds: float, fail: bool = False) -> str:
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f"{name} failed")
    return name


async def main(fail: bool = True) -> None:
    try:
        async with asyncio.TaskGroup() as group:
            group.create_task(job("quick", 0.5), name="quick")
            group.create_task(job("broken", 1.0, fail), name="broken")
            group.create_task(job("slow", 2.0), name="slow")
        print("all three finished")
    except* ValueError as errors:
        print(f"caught {len(errors.exceptions)} error(s): {errors.exceptions[0]}")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_main_waits_at_the_end_of_the_block(run):
    """main is suspended on TaskGroup at the end of the async with block."""
    waits = run.task("main").waits
    assert waits and all(wait.what == "TaskGroup" for wait in waits)
    assert [task.created_by for task in run.tasks()[1:]] == [run.task("main")] * 3


def check_quick_finishes_and_broken_fails(run):
    """quick finishes at 0.5 s; broken fails at 1.0 s."""
    quick, broken = run.task("quick"), run.task("broken")
    assert (quick.outcome, quick.ended) == ("done", about(0.5))
    if run.params["fail"]:
        assert (broken.outcome, broken.ended) == ("failed", about(1.0))
        assert broken.error == "ValueError: broken failed"
    else:
        assert (broken.outcome, broken.ended) == ("done", about(1.0))


def check_the_failure_cancels_slow_and_wakes_main(run):
    """At that moment slow is cancelled in its sleep and main is woken: the run takes
    1.0 s, not 2.0 s, and main prints the error it caught with except*."""
    if not run.params["fail"]:
        skip("only with fail=True")
    slow, main = run.task("slow"), run.task("main")
    (nap,) = slow.waits
    assert nap.what == "sleep(2.0)" and nap.end == about(1.0)
    assert nap.woken_by[0] == "cancel"
    assert (slow.outcome, slow.ended) == ("cancelled", about(1.0))
    assert main.waits[-1].end == about(1.0)
    assert run.duration == about(1.0)
    assert run.output == "caught 1 error(s): broken failed\n"


def check_without_a_failure_all_three_finish(run):
    """fail=False: all three finish and the run takes 2.0 s."""
    if run.params["fail"]:
        skip("only with fail=False")
    assert [(task.name, task.outcome) for task in run.tasks()[1:]] == [
        ("quick", "done"),
        ("broken", "done"),
        ("slow", "done"),
    ]
    assert run.task("slow").ended == about(2.0)
    assert run.duration == about(2.0)
    assert run.output == "all three finished\n"


if __name__ == "__main__":
    asyncio.run(main())
