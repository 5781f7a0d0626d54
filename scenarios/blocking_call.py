"""A blocking call freezes every task

``time.sleep()`` (or any slow function that never awaits) does not give the loop
back: while it runs, no other task can run, not even one whose timer is long
due. Here a ticker wants to tick every 0.1 s, and a worker calls ``time.sleep(block)``
in the middle of its step. The fix is ``await asyncio.sleep(...)`` for a pause (try
``pause="asyncio.sleep"``), or ``await asyncio.to_thread(slow_function)`` for blocking
I/O-style work.

What to look for:

- The worker's lane is *running* for the whole ``block`` seconds: one long step.
- A red band across the whole chart: the loop was blocked (a step longer than
  0.1 s, asyncio's ``slow_callback_duration``).
- The ticker's ``sleep(0.1)`` due at 0.3 s stretches until the block ends: a timer
  fires only when the loop runs its callbacks, so the ticker is not even *ready*
  before then. A 0.1 s sleep that lasted over half a second.
- The event loop's row is busy, without a gap, for the length of the block.
- ``pause="asyncio.sleep"``: the worker is suspended on ``sleep(0.5)`` instead, no red
  band, and the ticker ticks every 0.1 s right through it.
"""

import asyncio
import contextlib
import time
from typing import Literal

with contextlib.suppress(ImportError):  # (run where the visualizer is not installed: no checks)
    from visualizer.checks import about, skip

TAGS = ("blocking", "pitfalls", "timers")
ORDER = 70

# the docstring in Simplified Chinese, shown when the app's language is Chinese
EXPLAIN_ZH = """\
阻塞调用会冻结所有任务

``time.sleep()``（或任何从不 await 的耗时函数）不会把事件循环让出来：它运行期间，
其他任务都无法运行，连定时器早已到期的任务也不行。这里一个计时任务（ticker）想每
0.1 秒跳动一次，而工作任务（worker）在一步中间调用了 ``time.sleep(block)``。正确的做法
是：要暂停就用 ``await asyncio.sleep(...)``（试试 ``pause="asyncio.sleep"``），要做
I/O 类的阻塞工作就用 ``await asyncio.to_thread(slow_function)``。

要看什么：

- worker 的泳道在整整 ``block`` 秒里都处于 *运行*（running）状态：只有长长的一步。
- 一条红色色带横贯整张图：事件循环被阻塞了（一步超过了 0.1 秒，即 asyncio 的
  ``slow_callback_duration``）。
- ticker 本应在 0.3 秒到期的 ``sleep(0.1)`` 一直拖到阻塞结束：定时器只有在事件循环
  运行回调时才会触发，所以在那之前 ticker 连 *就绪*（ready）都不是。一个 0.1 秒的
  sleep 持续了半秒多。
- 事件循环那一行在阻塞期间一直忙碌，没有空隙。
- ``pause="asyncio.sleep"``：worker 改为挂起在 ``sleep(0.5)`` 上，没有红色色带，
  ticker 在这期间照常每 0.1 秒跳动一次。
"""


async def ticker(ticks: int) -> None:
    for _ in range(ticks):
        await asyncio.sleep(0.1)


async def worker(block: float, pause: str) -> None:
    await asyncio.sleep(0.25)
    if pause == "time.sleep":
        time.sleep(block)  # blocks the whole loop: no await here
    else:
        await asyncio.sleep(block)  # suspends this task only
    await asyncio.sleep(0.1)


async def main(
    block: float = 0.5, pause: Literal["time.sleep", "asyncio.sleep"] = "time.sleep"
) -> None:
    await asyncio.gather(
        asyncio.create_task(ticker(10), name="ticker"),
        asyncio.create_task(worker(block, pause), name="worker"),
    )
    if pause == "time.sleep":
        print(f"a blocking call of {block} s delayed every other task by as much")
    else:
        print(f"an awaited pause of {block} s delayed no other task")


# --- the checks: the bullets of "What to look for", proved on a run (asyncviz check-scenario).
# On the ideal clock time.sleep(block) takes exactly block seconds, as a blocking step.
# (The event loop's row is not in a check's view of the run: the worker's step and the
# red band say the same.)
def _blocking(run):
    if run.params["pause"] != "time.sleep":
        skip('only with pause="time.sleep"')
    return run.params["block"]


def check_the_worker_runs_for_the_whole_block(run):
    """The worker's lane is running for the whole block seconds: one long step."""
    block, worker = _blocking(run), run.task("worker")
    long = [step for step in worker.steps if step.duration > 0.001]
    assert len(long) == 1
    assert (long[0].start, long[0].duration) == (about(0.25), about(block))
    assert worker.state_at(0.25 + block / 2) == "running"


def check_the_loop_is_blocked(run):
    """A red band across the whole chart: the loop was blocked (a step longer than 0.1 s,
    asyncio's slow_callback_duration)."""
    block = _blocking(run)
    bands = [x for x in run.insights if x.kind == "blocking-step"]
    if block <= 0.1:  # (not longer than 0.1 s: no band; at 0.1 s exactly, a tie not claimed)
        assert block == 0.1 or bands == []
        return
    assert len(bands) == 1
    band = bands[0]
    assert band.tasks[0] == "worker"
    assert (band.start, band.end) == (about(0.25), about(0.25 + block))


def check_the_tickers_timer_waits_for_the_block(run):
    """The ticker's sleep(0.1) due at 0.3 s stretches until the block ends: the ticker is
    not even ready before then."""
    block, ticker = _blocking(run), run.task("ticker")
    ticks = ticker.waits_on("sleep(0.1)")
    assert len(ticks) == 10
    due = ticks[2]
    assert (due.start, due.end) == (about(0.2), about(max(0.3, 0.25 + block)))
    assert ticker.state_at(0.25 + block / 2) == "suspended"


def check_an_awaited_pause_delays_no_one(run):
    """pause="asyncio.sleep": the worker is suspended on sleep(block) instead, no red band,
    and the ticker ticks every 0.1 s right through it."""
    if run.params["pause"] != "asyncio.sleep":
        skip('only with pause="asyncio.sleep"')
    block, worker = run.params["block"], run.task("worker")
    pause = worker.waits[1]
    assert pause.what.startswith("sleep(") and pause.duration == about(block)
    assert all(step.duration < 0.001 for step in worker.steps)
    assert "blocking-step" not in run.insight_kinds
    ticks = run.task("ticker").waits
    assert [tick.end for tick in ticks] == [about(0.1 * n) for n in range(1, 11)]


if __name__ == "__main__":
    asyncio.run(main())
