"""Running tasks together with gather()

``asyncio.gather()`` waits for several awaitables at once and returns their
results as a list in the order they were *passed*, not the order they
finished. (Given bare coroutines, ``gather()`` wraps each one in a task itself;
here the tasks are created first so that each lane has a readable name.)

The three tasks compute factorials, sleeping one second per step, so
``factorial-C`` finishes first and ``factorial-A`` last, yet the printed list
starts with A's result.

What to look for:

- Three lanes that alternate between short *running* slices and long stretches
  suspended on ``sleep(1.0)`` (``await asyncio.sleep(1)``); all three sleep at the
  same time.
- ``factorial-C`` ends after 1 s, ``factorial-B`` after 2 s and
  ``factorial-A`` after 3 s.
- ``main`` stays suspended on ``gather(3 awaitables)`` until the slowest task is
  done, then is woken and prints ``[24, 6, 2]``.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about

TAGS = ("basics", "gather", "concurrency")
ORDER = 30

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
用 gather() 让任务一起运行

``asyncio.gather()`` 同时等待多个可等待对象，并按它们 *传入* 的顺序（而不是完成的
顺序）返回结果列表。（如果传入的是裸协程，``gather()`` 会自己把每个协程包装成任务；
这里先创建任务，好让每条泳道都有一个易读的名字。）

三个任务计算阶乘，每一步睡一秒，所以 ``factorial-C`` 最先完成、``factorial-A`` 最后
完成，但打印出的列表却以 A 的结果开头。

要看什么：

- 三条泳道交替出现短暂的 *运行*（running）片段和长时间挂起在 ``sleep(1.0)`` 上的
  片段（``await asyncio.sleep(1)``）；三个任务同时在睡。
- ``factorial-C`` 在 1 秒后结束，``factorial-B`` 在 2 秒后，``factorial-A`` 在 3 秒后。
- ``main`` 一直挂起在 ``gather(3 awaitables)`` 上，直到最慢的任务完成，然后被唤醒
  并打印 ``[24, 6, 2]``。
"""


async def factorial(name: str, number: int) -> int:
    f = 1
    for i in range(2, number + 1):
        print(f"Task {name}: compute factorial({number}), currently i={i}...")
        await asyncio.sleep(1)
        f *= i
    print(f"Task {name}: factorial({number}) = {f}")
    return f


async def main() -> None:
    tasks = [
        asyncio.create_task(factorial(name, number), name=f"factorial-{name}")
        for name, number in [("A", 4), ("B", 3), ("C", 2)]
    ]
    results = await asyncio.gather(*tasks)
    print(results)  # [24, 6, 2]: argument order, not finishing order


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_the_lanes_alternate_and_sleep_at_once(run):
    """Three lanes alternate between short running slices and sleep(1.0); all three sleep
    at the same time."""
    lanes = run.tasks("factorial-")
    assert [lane.name for lane in lanes] == ["factorial-A", "factorial-B", "factorial-C"]
    for lane, sleeps in zip(lanes, (3, 2, 1), strict=True):
        states = [span.state for span in lane.spans if span.state != "ready"]
        assert states == ["running", "suspended"] * sleeps + ["running"]
        assert [wait.what for wait in lane.waits] == ["sleep(1.0)"] * sleeps
        assert max(step.duration for step in lane.steps) < 0.1
    assert run.most_at_once(wait for lane in lanes for wait in lane.waits) == 3


def check_c_ends_first_and_a_last(run):
    """factorial-C ends after 1 s, factorial-B after 2 s and factorial-A after 3 s."""
    ends = [run.task(f"factorial-{name}").ended for name in "CBA"]
    assert ends == [about(1.0), about(2.0), about(3.0)]


def check_main_waits_for_the_slowest_then_prints_in_argument_order(run):
    """main stays suspended on gather(3 awaitables) until the slowest task is done, then
    is woken and prints [24, 6, 2]."""
    (gather,) = run.task("main").waits
    assert gather.what == "gather(3 awaitables)"
    assert gather.end == about(run.task("factorial-A").ended)
    assert gather.woken_by == ("task", run.task("factorial-A"))
    assert run.output.splitlines()[-1] == "[24, 6, 2]"


if __name__ == "__main__":
    asyncio.run(main())
