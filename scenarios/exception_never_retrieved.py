"""A task's exception that nobody retrieves

When a task raises and nothing ever awaits it (or calls ``task.result()`` or
``task.exception()``), the exception is raised nowhere: the program carries on as if
nothing had happened. asyncio notices only when the task object is freed, and then
*logs* "Task exception was never retrieved" with the traceback: on stderr, maybe long
after the failure. The fix is to await every task you create (or to use a
``TaskGroup``) and handle the error there. Here ``upload`` fails at 0.5 s while
``main`` does 2.0 s of other work.

What to look for:

- ``handling="forget"``: ``upload`` fails at 0.5 s (a cross) and wakes nobody. A
  warning (an orange star) on its lane at that same moment reads "Task exception was
  never retrieved": nothing referred to the task, so it was freed as it ended.
- ``handling="keep"``: ``main`` keeps the task in a variable but never awaits it. The
  same warning comes only at 2.0 s, when ``main`` returns and the variable goes away:
  1.5 s after the failure, far from its cause.
- ``handling="await"``: ``main`` awaits the task inside ``try``/``except`` before its
  other work: it is suspended on ``Task 'upload'``, woken by ``upload`` at 0.5 s (an
  arrow), and prints the error. No warning: the exception was retrieved.
"""

import asyncio
import contextlib
from typing import Literal

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("tasks", "exceptions", "pitfalls")
ORDER = 42

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
没有人取回的任务异常

一个任务抛出了异常，却从来没有人 await 它（或调用 ``task.result()`` 或
``task.exception()``），那么这个异常不会在任何地方被抛出：程序照常运行，仿佛什么都
没发生。asyncio 直到这个任务对象被释放时才注意到，然后把 “Task exception was never
retrieved” 连同回溯 *记录到日志*：写在 stderr 上，可能在失败之后很久。解决办法是
await 你创建的每一个任务（或使用 ``TaskGroup``），并在那里处理错误。这里
``upload`` 在 0.5 秒时失败，而 ``main`` 在做 2.0 秒的其他工作。

要看什么：

- ``handling="forget"``：``upload`` 在 0.5 秒时失败（一个叉号），没有唤醒任何人。就在
  同一时刻，它的泳道上出现一个警告（橙色星号），写着 “Task exception was never
  retrieved”：没有任何东西引用这个任务，所以它一结束就被释放了。
- ``handling="keep"``：``main`` 把任务保存在一个变量里，却从不 await 它。同样的警告
  要到 2.0 秒、``main`` 返回、变量消失时才出现：在失败之后 1.5 秒，远离它的起因。
- ``handling="await"``：``main`` 在做其他工作之前，先在 ``try``/``except`` 里 await
  这个任务：它挂起在 ``Task 'upload'`` 上，0.5 秒时被 ``upload`` 唤醒（一支箭头），
  打印出错误。没有警告：异常已经被取回了。
"""


async def upload() -> None:
    await asyncio.sleep(0.5)
    raise ConnectionError("connection reset")


async def main(handling: Literal["forget", "keep", "await"] = "forget") -> None:
    if handling == "forget":
        asyncio.create_task(upload(), name="upload")  # noqa: RUF006 (the lesson: no reference kept)
        await asyncio.sleep(2.0)  # other work
        print("done; nobody heard that upload failed")
    elif handling == "keep":
        task = asyncio.create_task(upload(), name="upload")
        await asyncio.sleep(2.0)  # other work; the task is never awaited
        print(f"done; {task.get_name()} was never awaited")
    else:
        task = asyncio.create_task(upload(), name="upload")
        try:
            await task
        except ConnectionError as exc:
            print(f"{task.get_name()} failed: {exc}")
        await asyncio.sleep(1.5)  # other work


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def _upload_fails(run, handling):
    """upload fails at 0.5 s whatever main does with it; the claim is about ``handling``."""
    if run.params["handling"] != handling:
        skip(f"only with handling={handling!r}")
    upload = run.task("upload")
    assert (upload.outcome, upload.ended) == ("failed", about(0.5))
    assert upload.error == "ConnectionError: connection reset"
    return upload


def _woken_by(run, upload):
    """The tasks that the failed upload woke."""
    return [task.name for task in run.tasks() if task.woken_by(upload)]


def check_forgotten_it_is_reported_as_it_fails(run):
    """handling="forget": upload fails at 0.5 s and wakes nobody; a warning on its lane at
    that same moment reads "Task exception was never retrieved"."""
    upload = _upload_fails(run, "forget")
    assert _woken_by(run, upload) == []
    assert run.warnings == [(about(0.5), "Task exception was never retrieved", "upload")]
    assert "never-retrieved" in run.insight_kinds


def check_kept_it_is_reported_only_when_main_returns(run):
    """handling="keep": the same warning comes only at 2.0 s, when main returns: 1.5 s after
    the failure."""
    upload = _upload_fails(run, "keep")
    assert _woken_by(run, upload) == []
    assert run.task("main").ended == about(2.0)
    assert run.warnings == [(about(2.0), "Task exception was never retrieved", "upload")]
    assert "never-retrieved" in run.insight_kinds


def check_awaited_it_is_handled_and_nothing_is_said(run):
    """handling="await": main is suspended on Task 'upload', woken by upload at 0.5 s, and
    prints the error. No warning: the exception was retrieved."""
    upload = _upload_fails(run, "await")
    first = run.task("main").waits[0]
    assert (first.what, first.end) == ("Task 'upload'", about(0.5))
    assert first.woken_by == ("task", upload)
    assert run.output == "upload failed: connection reset\n"
    assert run.warnings == []
    assert "never-retrieved" not in run.insight_kinds


if __name__ == "__main__":
    asyncio.run(main())
