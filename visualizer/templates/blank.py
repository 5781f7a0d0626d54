"""NAME: a blank lesson, two tasks side by side

Say here, in a sentence or two, what this lesson shows. As it comes, it shows the
first thing asyncio teaches: two tasks that wait at the same time take as long as
the longer wait, not the sum of both. Change ``main`` and the tasks into your own
example, then say below where the reader should look.

What to look for:

- ``first`` and ``second`` start together at 0 s and are both suspended in
  ``sleep(...)`` at the same time: their lanes overlap.
- The run ends when the longer sleep ends (1.0 s with the defaults), not at the
  sum of both (1.5 s).
- Try ``second=2.0``: now ``second`` ends last, and so does the run.
"""

import asyncio
import contextlib

with contextlib.suppress(ImportError):  # (plain `python FILE.py` runs without it)
    from visualizer.checks import about  # the checks' helper: "equal, give or take"

TAGS = ("basics", "tasks")

# the docstring in Simplified Chinese, shown when the app's language is Chinese
# (keep its bullets in step with the English ones)
EXPLAIN_ZH = """\
NAME：空白课程，两个并排的任务

在这里用一两句话说明这一课要展示什么。它现在展示的是 asyncio 的第一课：两个同时
等待的任务，总耗时等于较长的那次等待，而不是两者之和。把 ``main`` 和这些任务改成
你自己的例子，然后在下面告诉读者该看哪里。

要看什么：

- ``first`` 和 ``second`` 在 0 秒一起开始，并同时挂起在 ``sleep(...)`` 上：它们的
  泳道互相重叠。
- 运行在较长的那次 sleep 结束时结束（默认参数下是 1.0 秒），而不是两者之和（1.5 秒）。
- 试试 ``second=2.0``：这时 ``second`` 最后结束，整个运行也随之结束。
"""


async def nap(seconds: float) -> None:
    await asyncio.sleep(seconds)


async def main(first: float = 1.0, second: float = 0.5) -> None:
    loop = asyncio.get_running_loop()
    start = loop.time()  # (the loop's clock: the visualizer's clock when traced)
    async with asyncio.TaskGroup() as group:
        group.create_task(nap(first), name="first")
        group.create_task(nap(second), name="second")
    print(f"two naps of {first} s and {second} s took {loop.time() - start:.1f} s")


# Checks: each function named check_... is one claim of the text above, proved from
# the run's trace (`asyncviz check-scenario FILE` runs them; docs/authoring.md).


def check_the_naps_overlap(run):
    """Both naps sleep at the same time."""
    first, second = run.task("first"), run.task("second")
    assert first.ran_concurrently_with(second)


def check_the_run_takes_the_longer_nap(run):
    """The run takes as long as the longer nap, not the sum of both."""
    longer = max(run.params["first"], run.params["second"])
    assert run.duration == about(longer)


if __name__ == "__main__":
    asyncio.run(main())
