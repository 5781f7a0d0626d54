"""asyncio.wait(): when to wake up

``done, pending = await asyncio.wait(tasks, return_when=..., timeout=...)`` suspends
until the moment ``return_when`` names, then hands back two sets of tasks: those that
are done and those still pending. It raises nothing (an exception stays inside its
task) and cancels nothing: the pending tasks are the caller's to deal with, and here
``main`` cancels them and waits until they have ended. The three tasks finish at 1 s
(``fast``), 2 s (``failing``, with an exception) and 3 s (``slow``).

What to look for:

- ``main`` is suspended on ``wait`` until the moment ``return_when`` names:
  ``FIRST_COMPLETED`` at 1 s (``fast`` done), ``FIRST_EXCEPTION`` at 2 s (``failing``
  raised), ``ALL_COMPLETED`` at 3 s; it is woken by the task that finished then (an
  arrow).
- At that moment the tasks still pending are cancelled by ``main`` (purple arrows):
  their lanes end there with a purple square, cut short in their sleeps. ``main``
  waits for them on ``gather(2 awaitables)`` (``gather(1 awaitable)`` with
  ``FIRST_EXCEPTION``), a sliver: they end at once. With ``ALL_COMPLETED`` nothing is
  left to cancel.
- ``main`` prints the two sets, e.g. ``done ['fast'], pending ['failing', 'slow']``.
- Try ``timeout=1.5`` with ``FIRST_EXCEPTION`` or ``ALL_COMPLETED``: ``main`` wakes at
  1.5 s, woken by the timer (a brown diamond), with ``failing`` and ``slow`` in
  ``pending``. ``FIRST_COMPLETED`` is unchanged: ``fast`` wakes it at 1.0 s, before
  the timeout. (``timeout=0`` means no timeout.)
"""

import asyncio
import contextlib
from typing import Literal

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("wait", "concurrency")
ORDER = 37

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
asyncio.wait()：何时醒来

``done, pending = await asyncio.wait(tasks, return_when=..., timeout=...)`` 挂起，
直到 ``return_when`` 指定的时刻，然后交还两个任务集合：已完成的和仍未完成的。它不抛出
任何异常（异常留在各自的任务里），也不取消任何任务：未完成的任务由调用方处理，这里
``main`` 取消了它们，并等它们结束。三个任务分别在 1 秒（``fast``）、2 秒
（``failing``，抛出异常）和 3 秒（``slow``）时结束。

要看什么：

- ``main`` 挂起在 ``wait`` 上，直到 ``return_when`` 指定的时刻：``FIRST_COMPLETED``
  在 1 秒（``fast`` 完成），``FIRST_EXCEPTION`` 在 2 秒（``failing`` 抛出异常），
  ``ALL_COMPLETED`` 在 3 秒；唤醒它的是那一刻结束的任务（一支箭头）。
- 就在那一刻，仍未完成的任务被 ``main`` 取消（紫色箭头）：它们的泳道在那里以一个
  紫色方块结束，sleep 被截断。``main`` 挂起在 ``gather(2 awaitables)`` 上等它们结束
  （``FIRST_EXCEPTION`` 时是 ``gather(1 awaitable)``），只是很窄的一条：它们立刻就
  结束了。``ALL_COMPLETED`` 时没有剩下要取消的任务。
- ``main`` 打印这两个集合，例如 ``done ['fast'], pending ['failing', 'slow']``。
- 用 ``FIRST_EXCEPTION`` 或 ``ALL_COMPLETED`` 试试 ``timeout=1.5``：``main`` 在 1.5 秒
  时醒来，由定时器唤醒（一个棕色菱形），``failing`` 和 ``slow`` 都在 ``pending`` 里。
  ``FIRST_COMPLETED`` 不变：``fast`` 在 1.0 秒、超时之前就唤醒了它。（``timeout=0``
  表示不设超时。）
"""


async def job(name: str, seconds: float, fail: bool = False) -> str:
    await asyncio.sleep(seconds)
    if fail:
        raise ValueError(f"{name} failed")
    return name


async def main(
    return_when: Literal["FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED"] = "FIRST_COMPLETED",
    timeout: float = 0.0,
) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = [
        asyncio.create_task(job("fast", 1.0), name="fast"),
        asyncio.create_task(job("failing", 2.0, fail=True), name="failing"),
        asyncio.create_task(job("slow", 3.0), name="slow"),
    ]
    done, pending = await asyncio.wait(
        tasks,
        return_when=getattr(asyncio, return_when),  # asyncio.FIRST_COMPLETED, ...
        timeout=timeout or None,  # 0: no timeout
    )
    print(
        f"{loop.time() - start:.1f} s: done {sorted(t.get_name() for t in done)}, "
        f"pending {sorted(t.get_name() for t in pending)}"
    )
    for task in sorted(done, key=asyncio.Task.get_name):
        outcome = task.exception() or task.result()  # wait() raised nothing: look inside
        print(f"  {task.get_name()}: {outcome!r}")
    left = [task for task in tasks if task in pending]  # (in order: a set has none)
    for task in left:
        task.cancel()  # wait() cancelled nothing: what is left is ours to stop
    if left:  # and to wait for, until each has taken its cancel and ended
        await asyncio.gather(*left, return_exceptions=True)


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
#: when each task ends of itself; the moment each return_when names, and who ends it
ENDS = {"fast": 1.0, "failing": 2.0, "slow": 3.0}
MOMENTS = {"FIRST_COMPLETED": 1.0, "FIRST_EXCEPTION": 2.0, "ALL_COMPLETED": 3.0}
FINISHERS = {"FIRST_COMPLETED": "fast", "FIRST_EXCEPTION": "failing", "ALL_COMPLETED": "slow"}


def _woken_at(run):
    """When wait() returns: at the moment return_when names, or at the timeout if sooner."""
    moment, timeout = MOMENTS[run.params["return_when"]], run.params["timeout"]
    return min(moment, timeout) if timeout > 0 else moment


def check_main_waits_until_the_moment_named(run):
    """main is suspended on wait until the moment return_when names (1 s, 2 s or 3 s), and
    is woken by the task that finished then."""
    return_when, timeout = run.params["return_when"], run.params["timeout"]
    wait = run.task("main").waits[0]
    assert (wait.what, wait.end) == ("wait", about(_woken_at(run)))
    if timeout == 0 or timeout > MOMENTS[return_when]:
        assert wait.woken_by == ("task", run.task(FINISHERS[return_when]))


def check_main_cancels_what_is_left(run):
    """At that moment the tasks still pending are cancelled by main, cut short in their
    sleeps; main waits for them on gather(...), a sliver. With ALL_COMPLETED nothing is
    left to cancel."""
    at, main = _woken_at(run), run.task("main")
    pending = [run.task(name) for name in ENDS if ENDS[name] > at]
    for task in pending:
        (nap,) = task.waits
        assert (nap.end, nap.woken_by) == (about(at), ("cancel", main))
        assert (task.outcome, task.ended) == ("cancelled", about(at))
    if not pending:
        assert len(main.waits) == 1
        return
    _, gather = main.waits
    n = len(pending)
    assert gather.what == f"gather({n} awaitable{'s' if n > 1 else ''})"
    assert gather.duration == about(0.0)
    assert run.duration == about(at)


def check_main_prints_the_two_sets(run):
    """main prints the two sets, e.g. done ['fast'], pending ['failing', 'slow']."""
    at = _woken_at(run)
    done = sorted(name for name in ENDS if ENDS[name] <= at)
    pending = sorted(name for name in ENDS if ENDS[name] > at)
    assert run.output.splitlines()[0] == f"{at:.1f} s: done {done}, pending {pending}"


def check_a_timeout_wakes_main_first(run):
    """timeout=1.5 with FIRST_EXCEPTION or ALL_COMPLETED: main wakes at 1.5 s, woken by
    the timer; FIRST_COMPLETED is unchanged: fast wakes it at 1.0 s, before the timeout."""
    return_when, timeout = run.params["return_when"], run.params["timeout"]
    if timeout == 0:
        skip("only with a timeout (timeout=0 means none)")
    moment, wait = MOMENTS[return_when], run.task("main").waits[0]
    if timeout < moment:
        assert (wait.end, wait.woken_by) == (about(timeout), ("timer", None))
    elif timeout > moment:
        assert (wait.end, wait.woken_by) == (
            about(moment),
            ("task", run.task(FINISHERS[return_when])),
        )


if __name__ == "__main__":
    asyncio.run(main())
