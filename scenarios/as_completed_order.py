"""Results as they come: as_completed()

``asyncio.as_completed()`` takes several awaitables and lets you take their results in
the order they *finish*, so each result can be used as soon as it is there, while
``gather()`` waits for all of them and keeps the order they were passed in. A plain
``for`` over it yields new awaitables, not the tasks passed in: each one, awaited, gives
the result of the next to finish. (From Python 3.13, ``async for`` over it yields the
original tasks themselves, as they finish.) Here three fetches take 3, 1 and 2 seconds.

What to look for:

- Three ``fetch`` lanes suspended on their sleeps at the same time.
- ``main`` is suspended on ``as_completed`` three times and wakes at 1 s, 2 s and
  3 s: once as each fetch finishes, fastest first, and prints ``fast``, ``medium``,
  ``slow`` in that order.
- The run takes 3.0 s, the length of the slowest fetch.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about

TAGS = ("basics", "concurrency", "gather")
ORDER = 35

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
结果一到就用：as_completed()

``asyncio.as_completed()`` 接受多个可等待对象，让你按它们 *完成* 的顺序取得结果，
这样每个结果一出来就能用；而 ``gather()`` 要等全部完成，并保持传入的顺序。用普通的
``for`` 遍历它，得到的是新的可等待对象，而不是传入的任务：每 await 一个，就得到下一个
完成者的结果。（从 Python 3.13 起，用 ``async for`` 遍历它，得到的就是原来的任务本身，
按完成的顺序。）这里三次获取分别需要 3、1、2 秒。

要看什么：

- 三条 ``fetch`` 泳道同时挂起在各自的 sleep 上。
- ``main`` 三次挂起在 ``as_completed`` 上，分别在 1 秒、2 秒和 3 秒被唤醒：每完成一次
  获取就唤醒一次，最快的先来，依次打印 ``fast``、``medium``、``slow``。
- 整个运行用时 3.0 秒，即最慢那次获取的长度。
"""


async def fetch(name: str, seconds: float) -> str:
    await asyncio.sleep(seconds)
    return name


async def main() -> None:
    tasks = [
        asyncio.create_task(fetch(name, seconds), name=f"fetch-{name}")
        for name, seconds in (("slow", 3.0), ("fast", 1.0), ("medium", 2.0))
    ]
    for next_done in asyncio.as_completed(tasks):  # a new awaitable, not one of the tasks
        print(f"{await next_done} is done")


# --- the checks: each bullet of "What to look for", proved on a run (asyncviz check-scenario)
def check_the_fetches_sleep_at_once(run):
    """Three fetch lanes suspended on their sleeps at the same time."""
    fetches = run.tasks("fetch-")
    assert [[wait.what for wait in fetch.waits] for fetch in fetches] == [
        ["sleep(3.0)"],
        ["sleep(1.0)"],
        ["sleep(2.0)"],
    ]
    assert run.most_at_once(wait for fetch in fetches for wait in fetch.waits) == 3


def check_main_takes_each_result_as_it_comes(run):
    """main is suspended on as_completed three times and wakes at 1 s, 2 s and 3 s, as
    each fetch finishes, fastest first, and prints fast, medium, slow in that order."""
    waits = run.task("main").waits
    assert [wait.what for wait in waits] == ["as_completed"] * 3
    assert [wait.end for wait in waits] == [about(1.0), about(2.0), about(3.0)]
    fastest_first = [run.task(f"fetch-{name}") for name in ("fast", "medium", "slow")]
    assert [wait.woken_by for wait in waits] == [("task", fetch) for fetch in fastest_first]
    assert run.output.splitlines() == ["fast is done", "medium is done", "slow is done"]


def check_the_run_takes_the_slowest_fetch(run):
    """The run takes 3.0 s, the length of the slowest fetch."""
    assert run.duration == about(3.0)


if __name__ == "__main__":
    asyncio.run(main())
