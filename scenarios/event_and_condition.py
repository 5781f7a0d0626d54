"""Signalling between tasks: Event and Condition

An ``asyncio.Event`` is a flag: ``await event.wait()`` suspends until some task calls
``event.set()``, which wakes *every* waiter at once (and later waits return at once).
An ``asyncio.Condition`` wakes waiters on request: ``condition.notify(1)`` wakes one,
``condition.notify_all()`` wakes all that are waiting. A waiter holds the condition's
lock around ``await condition.wait()``, which lets go of the lock while it waits, so it
can check shared state safely. Here three waiters wait for work from one signalling task.

What to look for:

- ``primitive="event"``: the three waiters are suspended on ``Event.wait``; at 1.0 s
  ``setter`` sets the event and all three are woken at that moment, each by an arrow
  from ``setter``. Each then works for 0.5 s; the run takes 1.5 s.
- ``primitive="condition"``: the waiters are suspended on ``Condition.wait``. At 1.0 s
  ``notifier`` adds one job and calls ``notify(1)``: one arrow, to ``waiter-1`` only;
  the others keep waiting.
- At 2.0 s ``notifier`` adds two jobs and calls ``notify_all()``: arrows to both
  remaining waiters at once. The run takes 2.5 s.
- The rows under the tasks: ``go`` (``primitive="event"``) is a thin line until 1.0 s
  and a filled bar from then on: it is set once, at the moment the waiters are woken.
  ``condition`` stays empty but for instants: a waiter holds its lock only while it
  checks ``jobs`` or takes a job, and lets go of it while it waits; ``notifier`` only
  while it adds jobs and notifies. Each has three tick marks at 0 s, the waiters
  starting to wait.
"""

import asyncio
import contextlib
from typing import Literal

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("synchronization", "event")
ORDER = 57

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
任务之间发信号：Event 与 Condition

``asyncio.Event`` 是一个旗标：``await event.wait()`` 会挂起，直到某个任务调用
``event.set()``，它一次唤醒 *所有* 等待者（之后再 wait 会立即返回）。
``asyncio.Condition`` 按要求唤醒等待者：``condition.notify(1)`` 唤醒一个，
``condition.notify_all()`` 唤醒所有正在等待的。等待者在 ``await condition.wait()``
前后持有条件的锁，wait 在等待期间会释放这把锁，所以等待者可以安全地检查共享状态。
这里三个等待者等着同一个发信号的任务给它们派活。

要看什么：

- ``primitive="event"``：三个等待者都挂起在 ``Event.wait`` 上；1.0 秒时 ``setter``
  设置了事件，三个等待者在同一时刻被唤醒，每个都有一支从 ``setter`` 指来的箭头。
  然后每个工作 0.5 秒；运行用时 1.5 秒。
- ``primitive="condition"``：等待者挂起在 ``Condition.wait`` 上。1.0 秒时
  ``notifier`` 加入一个任务并调用 ``notify(1)``：只有一支箭头，指向 ``waiter-1``；
  其他的继续等待。
- 2.0 秒时 ``notifier`` 加入两个任务并调用 ``notify_all()``：同时有箭头指向剩下的
  两个等待者。运行用时 2.5 秒。
- 任务泳道下方的行：``go``（``primitive="event"``）在 1.0 秒之前是一条细线，之后是
  实心横条：它只被设置一次，正是等待者被唤醒的那一刻。``condition`` 除了几个瞬间
  之外一直是空的：等待者只在检查 ``jobs`` 或取走任务时持有它的锁，等待期间会释放
  锁；``notifier`` 也只在加入任务并发出通知时持有。两行在 0 秒处各有三条刻度线：
  三个等待者开始等待。
"""


async def event_waiter(name: str, go: asyncio.Event) -> None:
    await go.wait()
    print(f"{name}: the event is set")
    await asyncio.sleep(0.5)  # the work


async def setter(go: asyncio.Event) -> None:
    await asyncio.sleep(1.0)
    go.set()  # wakes every waiter


async def condition_waiter(name: str, condition: asyncio.Condition, jobs: list[str]) -> None:
    async with condition:
        while not jobs:
            await condition.wait()  # lets go of the lock while it waits
        job = jobs.pop(0)
    print(f"{name}: got {job}")
    await asyncio.sleep(0.5)  # the work


async def notifier(condition: asyncio.Condition, jobs: list[str]) -> None:
    await asyncio.sleep(1.0)
    async with condition:
        jobs.append("job-1")
        condition.notify(1)  # wakes one waiter
    await asyncio.sleep(1.0)
    async with condition:
        jobs.extend(["job-2", "job-3"])
        condition.notify_all()  # wakes every waiter


async def main(primitive: Literal["event", "condition"] = "event") -> None:
    async with asyncio.TaskGroup() as group:
        if primitive == "event":
            go = asyncio.Event()
            for n in range(1, 4):
                group.create_task(event_waiter(f"waiter-{n}", go), name=f"waiter-{n}")
            group.create_task(setter(go), name="setter")
        else:
            condition = asyncio.Condition()
            jobs: list[str] = []
            for n in range(1, 4):
                name = f"waiter-{n}"
                group.create_task(condition_waiter(name, condition, jobs), name=name)
            group.create_task(notifier(condition, jobs), name="notifier")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def _only_with(run, primitive):
    if run.params["primitive"] != primitive:
        skip(f"only with primitive={primitive!r}")
    return run.tasks("waiter-")


def check_setting_the_event_wakes_every_waiter(run):
    """primitive="event": the three waiters are suspended on Event.wait; at 1.0 s setter
    sets the event and all three are woken, each by setter; each works 0.5 s; 1.5 s."""
    waiters, setter = _only_with(run, "event"), run.task("setter")
    assert len(waiters) == 3
    for waiter in waiters:
        signal, work = waiter.waits
        assert (signal.what, signal.end, signal.woken_by) == (
            "Event.wait",
            about(1.0),
            ("task", setter),
        )
        assert (work.what, work.end) == ("sleep(0.5)", about(1.5))
    assert run.duration == about(1.5)


def check_notify_one_wakes_one_waiter(run):
    """primitive="condition": the waiters are suspended on Condition.wait; at 1.0 s
    notify(1) wakes waiter-1 only; the others keep waiting."""
    waiters, notifier = _only_with(run, "condition"), run.task("notifier")
    assert len(waiters) == 3
    assert all(waiter.waits[0].what == "Condition.wait" for waiter in waiters)
    first = waiters[0].waits[0]
    assert (first.end, first.woken_by) == (about(1.0), ("task", notifier))
    assert all(waiter.state_at(1.5) == "suspended" for waiter in waiters[1:])
    assert all(waiter.waits[0].end > 1.5 for waiter in waiters[1:])


def check_notify_all_wakes_the_rest(run):
    """At 2.0 s notifier calls notify_all(): both remaining waiters are woken at once. The
    run takes 2.5 s."""
    waiters, notifier = _only_with(run, "condition"), run.task("notifier")
    for waiter in waiters[1:]:
        wait = waiter.waits[0]
        assert (wait.what, wait.end, wait.woken_by) == (
            "Condition.wait",
            about(2.0),
            ("task", notifier),
        )
    assert run.output.splitlines() == [f"waiter-{n}: got job-{n}" for n in (1, 2, 3)]
    assert run.duration == about(2.5)


def check_the_rows_under_the_tasks(run):
    """The rows under the tasks: go is set once, at the moment the waiters are woken; the
    condition's lock is held by one task at a time; each has three waiters starting to
    wait at 0 s."""
    name = "go" if run.params["primitive"] == "event" else "condition"
    row = run.resource(name)
    assert [waiter for waiter, start, _ in row.waits if start == about(0.0)] == [
        "waiter-1",
        "waiter-2",
        "waiter-3",
    ]
    assert row.peak_level == 1
    if name == "go":
        assert row.most_waiting == 3 and all(end == about(1.0) for _, _, end in row.waits)
    else:
        assert row.most_held == 1


if __name__ == "__main__":
    asyncio.run(main())
