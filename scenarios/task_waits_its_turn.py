"""A new task waits until its creator lets go

``asyncio.create_task()`` only *schedules* the new task: it is ready to run, but the
event loop runs one thing at a time, and the task that created it keeps the loop until
it reaches an ``await``. Here ``main`` creates a task, then works for ``busy`` seconds
without awaiting (a loop that never yields): the new task waits, ready, the whole time.

What to look for:

- ``greeter`` appears the moment ``main`` creates it and stays *ready* (orange) for all
  of ``main``'s busy stretch.
- ``main`` is *running* for ``busy`` seconds in one long step (a red band: it held the
  loop longer than 0.1 s).
- ``greeter`` runs only when ``main`` yields with ``sleep(0)``; it is done by the time
  ``main`` runs again, so ``await task`` returns at once.
"""

import asyncio
import time

TAGS = ("basics", "tasks", "blocking")
ORDER = 12
#: the claims are about busy time: checked on the virtual clock, which counts it
CHECK_CLOCK = "virtual"

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
新任务要等创建者让出事件循环

``asyncio.create_task()`` 只是 *安排* 新任务：它已经就绪，但事件循环一次只运行一件
事，而创建它的任务会一直占着事件循环，直到遇到 ``await``。这里 ``main`` 创建了一个
任务，然后不 await 地工作 ``busy`` 秒（一个从不让出的循环）：新任务在这段时间里一直
就绪地等着。

要看什么：

- ``greeter`` 在 ``main`` 创建它的那一刻出现，并在 ``main`` 忙碌的整段时间里一直处于
  *就绪*（橙色）状态。
- ``main`` 在一长步里 *运行* 了 ``busy`` 秒（一条红色色带：它占用事件循环超过了
  0.1 秒）。
- 只有当 ``main`` 用 ``sleep(0)`` 让出时 ``greeter`` 才运行；等 ``main`` 再次运行时
  它已经结束了，所以 ``await task`` 立即返回。
"""


async def greet() -> None:
    print("greeter: finally my turn")


async def main(busy: float = 0.3) -> None:
    task = asyncio.create_task(greet(), name="greeter")
    print("main: task created, but main keeps the loop")
    until = time.perf_counter() + busy
    while time.perf_counter() < until:  # busy work that never awaits
        pass
    await asyncio.sleep(0)  # main lets go: the greeter runs now
    await task  # (done already)


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario).
# Busy time is real time, which a loaded machine can only lengthen: "at least busy", never
# "at most".
def check_the_greeter_is_ready_all_through_mains_busy_stretch(run):
    """greeter appears the moment main creates it and stays ready for all of main's busy
    stretch."""
    main, greeter = run.task("main"), run.task("greeter")
    assert greeter.created_by is main
    ready = greeter.spans[0]
    assert (ready.state, ready.start) == ("ready", greeter.created)
    assert ready.end >= main.steps[0].end
    assert ready.duration >= 0.95 * run.params["busy"]


def check_main_holds_the_loop_for_busy_seconds(run):
    """main is running for busy seconds in one long step (a red band when longer than
    0.1 s)."""
    busy, main = run.params["busy"], run.task("main")
    assert main.steps[0].duration >= 0.95 * busy
    bands = [x for x in run.insights if x.kind == "blocking-step" and x.tasks[0] == "main"]
    if busy > 0.1:
        assert len(bands) == 1 and bands[0].end - bands[0].start >= 0.95 * busy


def check_the_greeter_runs_when_main_yields(run):
    """greeter runs only when main yields with sleep(0); it is done by the time main runs
    again, so await task returns at once."""
    main, greeter = run.task("main"), run.task("greeter")
    (turn,) = greeter.steps
    assert turn.start >= main.steps[0].end
    assert greeter.ended <= main.steps[1].start
    assert main.waits == []  # (await task never suspended main)


if __name__ == "__main__":
    asyncio.run(main())
