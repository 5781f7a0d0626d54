"""The window while a busy program runs live on its loop (issues 3, 15): frames per second.

Run:  python bench/live_gui.py [--seconds 4] [--rate 200000]
          [--workload sleep0|queue] [--tasks 200] [--pairs 10] [--rows shown|hidden]
          [--insights on|off]

A busy program runs on the window's GuiEventLoop, traced, while the window draws its
chart live:

* ``--workload sleep0`` (the default): ``--tasks`` tasks doing ``sleep(0)`` in a loop
  (each step is one recorded event; the wake of a bare yield is implied);
* ``--workload queue`` (issue 15): ``--pairs`` producers and as many consumers over one
  ``asyncio.Queue(maxsize=10)``, each consumer taking a ``Semaphore(4)`` around its
  work (a ``sleep(0)``): a queue-bound program whose every put, get, acquire, release
  and wait is a resource change, drawn in the resources' rows under the task lanes
  (``--rows hidden``: with View > Resource rows off).

The program is held to ``--rate`` events (task steps) a second: each task counts the
steps it takes (a ``sleep(0)``; a put, get or acquire that will wait) and, when the
program is ahead of the rate, sleeps until the rate has caught up (0: as fast as it
can), so the measure is the target's own condition.  Reports the events the program
recorded per second (every step, its pacing sleeps' too), frames per second (a frame:
the chart brought up to date and painted; a frame put off for a timer of the loop
due first, ``LiveFrames._timer_first``, is not one), and what a frame costs; with
resources, what their rows cost: the live rows brought up to date
(``LiveRows``: how often, how long), the rows' share of each frame's update and their
paint; the live insights (issue 16: the Insights pane's, worked out again from the run's
recent stretch at their own pace, ``model.insights.live``; ``--insights off``: not at
all): how many, what each cost, their share of the program's time.  Target: at least
30 frames per second while the program records 200,000 events per second.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.model.insights import insights_of
from visualizer.session.scenarios import read_scenario

SLEEP0 = '''"""Busy: many tasks stepping, at a given rate"""
import asyncio, time

async def spin(until: float, start: float, rate: float, done: list[int]) -> None:
    steps = 0
    while time.monotonic() < until:
        await asyncio.sleep(0)
        steps += 1
        if rate and steps % 16 == 0:
            done[0] += 16
            ahead = done[0] / rate - (time.monotonic() - start)
            if ahead > 0:  # ahead of the rate: until it has caught up
                done[0] += 1  # (this sleep's step)
                await asyncio.sleep(ahead)

async def main(tasks: int = 200, seconds: float = 4.0, rate: float = 200000.0) -> None:
    start = time.monotonic()
    done = [0]
    await asyncio.gather(*(spin(start + seconds, start, rate, done) for _ in range(tasks)))
'''

QUEUE = '''"""Queue-bound: producers and consumers over one Queue(maxsize=10), a Semaphore(4)
around the consumers' work, at a given rate"""
import asyncio, time

async def main(pairs: int = 10, seconds: float = 4.0, rate: float = 200000.0) -> None:
    queue: asyncio.Queue[int | None] = asyncio.Queue(maxsize=10)
    sem = asyncio.Semaphore(4)
    start = time.monotonic()
    until = start + seconds
    done = [0]

    async def pace(steps: int) -> None:
        done[0] += steps
        ahead = done[0] / rate - (time.monotonic() - start)
        if ahead > 0:  # ahead of the rate: until it has caught up
            done[0] += 1  # (this sleep's step)
            await asyncio.sleep(ahead)

    async def producer() -> None:
        i = steps = 0
        while time.monotonic() < until:
            steps += queue.full()  # (a put that will wait ends a step)
            await queue.put(i)
            i += 1
            if rate and i % 8 == 0:
                await pace(steps)
                steps = 0

    async def consumer() -> None:
        n = steps = 0
        while True:
            steps += queue.empty()
            item = await queue.get()
            if item is None:
                return
            steps += sem.locked() + 1
            async with sem:
                await asyncio.sleep(0)  # the work
            n += 1
            if rate and n % 8 == 0:
                await pace(steps)
                steps = 0

    producers = [asyncio.create_task(producer(), name=f"producer-{i}") for i in range(pairs)]
    consumers = [asyncio.create_task(consumer(), name=f"consumer-{i}") for i in range(pairs)]
    await asyncio.gather(*producers)
    for _ in consumers:
        await queue.put(None)
    await asyncio.gather(*consumers)
'''


def _timed(calls: list[tuple[float, float]], function: Callable[..., Any]) -> Callable[..., Any]:
    """``function``, noting (when, seconds) of each call in ``calls``."""

    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            calls.append((t0, time.perf_counter() - t0))

    return timed


def _ms(values: list[float]) -> str:
    """Median and max, in milliseconds."""
    if not values:
        return "-"
    return f"{statistics.median(values) * 1000:.2f} ms median, {max(values) * 1000:.1f} ms max"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--rate", type=float, default=200_000.0)
    parser.add_argument("--workload", choices=("sleep0", "queue"), default="sleep0")
    parser.add_argument("--tasks", type=int, default=200, help="sleep0: tasks")
    parser.add_argument("--pairs", type=int, default=10, help="queue: producers (and consumers)")
    parser.add_argument(
        "--rows", choices=("shown", "hidden"), default="shown", help="View > Resource rows"
    )
    parser.add_argument(
        "--insights", choices=("on", "off"), default="on", help="the live Insights pane"
    )
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    path = Path(f"/tmp/asyncviz_busy_{args.workload}.py")
    path.write_text(SLEEP0 if args.workload == "sleep0" else QUEUE, encoding="utf-8")
    scenario = read_scenario(path)
    window = MainWindow([scenario])
    window.resize(1600, 900)
    window.show()
    window.resource_rows_action.setChecked(args.rows == "shown")
    frames = window.frames
    frames.extras.remove(window.insights.live_frame)
    held: list[Any] = []  # the pane's live insights (the run's end lets them go)

    def live_insights(source: Any) -> None:
        window.insights.live_frame(source)
        held[:] = [window.insights.live]

    if args.insights == "on":
        frames.extras.append(live_insights)
    updates: list[tuple[float, float]] = []  # (when, seconds): the chart brought up to date
    paints: list[tuple[float, float]] = []  # (when, seconds): the chart painted
    frame = frames._frame

    def timed_frame() -> None:
        drawn = frames._frames_drawn
        t0 = time.perf_counter()
        frame()
        if frames._frames_drawn != drawn:  # (not put off for a timer)
            updates.append((t0, time.perf_counter() - t0))

    frames._timer.timeout.disconnect()
    frames._timer.timeout.connect(timed_frame)
    window.chart.paintEvent = _timed(paints, window.chart.paintEvent)  # type: ignore[method-assign]
    # the resources' rows: the live rows brought up to date (``LiveRows.frame``; a
    # derivation: one that took in something new), their share of a frame's update
    # (``ResourceLanes.show_live``: that and the rows handed to their item), their paint
    lanes = window.chart.resources
    derived: list[tuple[float, float]] = []
    rows_updates: list[tuple[float, float]] = []
    rows_paints: list[tuple[float, float]] = []
    live: Any = lanes._live
    live_frame = live.frame

    def timed_live_frame(*args: Any) -> bool:
        before = live.derivations
        t0 = time.perf_counter()
        relaid: bool = live_frame(*args)
        if live.derivations != before:
            derived.append((t0, time.perf_counter() - t0))
        return relaid

    live.frame = timed_live_frame
    lanes.show_live = _timed(rows_updates, lanes.show_live)  # type: ignore[method-assign]
    lanes.item.paint = _timed(rows_paints, lanes.item.paint)
    loop = GuiEventLoop(app)
    params: dict[str, Any] = {"seconds": args.seconds, "rate": args.rate}
    params.update({"tasks": args.tasks} if args.workload == "sleep0" else {"pairs": args.pairs})
    began: list[float] = []

    async def run() -> object:
        began.append(time.perf_counter())
        return await window._run_live(scenario, params)

    outcome = loop.run_until_complete(run())
    loop.close()
    trace = outcome.trace  # type: ignore[attr-defined]
    running = trace.spans.state == 1
    events = int(running.sum())
    # the program's own time, from its first step to its last (not the window's set-up
    # before it, nor the finished trace drawn after it), on the wall clock: the trace's
    # origin is when the run began
    first = float(trace.spans.start[running].min())
    busy = float(trace.spans.end[running].max()) - first
    begin, end = began[0] + first, began[0] + first + busy
    changes = len(trace.resource_changes)
    print(
        f"{args.workload}, rows {args.rows}: {events:,} events in {busy:.2f} s:"
        f" {events / busy:,.0f} events/s recorded (asked {args.rate:,.0f}); {len(trace.spans):,}"
        f" spans, {len(trace.resources)} resources, {changes:,} changes"
        f" ({changes / busy:,.0f}/s)"
    )
    per_second = [
        sum(1 for t, _ in updates if begin + k <= t < begin + k + 1) for k in range(int(busy))
    ]
    print(f"  frames in each second of the program: {per_second}")
    # the whole program, and from the end of its first second on (its tasks made, the
    # first layout and paints done: the rate a user watches)
    for name, skip in (("whole program", 0.0), ("after its first second", 1.0)):
        shown = [(t, d) for t, d in updates if begin + skip <= t <= end]
        if not shown:
            continue
        # each frame's paint: the first after it, before the next frame
        starts = [t for t, _ in shown] + [end]
        cost = []
        for (t, d), after in zip(shown, starts[1:], strict=True):
            paint = next((p for s, p in paints if t < s < after), 0.0)
            cost.append(d + paint)
        drawn = [d for t, d in paints if begin + skip <= t <= end]
        cost.sort()
        print(
            f"  {name}: {len(shown) / (busy - skip):.1f} frames per second; a frame (update +"
            f" paint) {cost[len(cost) // 2] * 1000:.1f} ms median,"
            f" {cost[int(len(cost) * 0.9)] * 1000:.1f} ms 90th percentile;"
            f" update {statistics.median(d for _, d in shown) * 1000:.1f} ms,"
            f" paint {statistics.median(drawn or [0.0]) * 1000:.1f} ms (medians)"
        )
    pace = held[0] if held else None
    if pace is not None and pace.count:
        print(
            f"  live insights: {pace.count} in {busy:.1f} s, {pace.spent / pace.count * 1000:.1f}"
            f" ms each on average, the last {pace.cost * 1000:.1f} ms (the run's last"
            f" {pace.model.now() - pace.since:.2f} s); {pace.spent / busy:.2%} of the program's"
            f" time; {len(pace.found)} found"
        )
    if args.insights == "on":  # (and the run's end: once more, on the whole trace)
        costs = []
        if os.environ.get("ASYNCVIZ_PROFILE_INSIGHTS"):
            import cProfile
            import pstats

            cProfile.runctx("insights_of(trace)", globals(), {"trace": trace}, "/tmp/ins.prof")
            pstats.Stats("/tmp/ins.prof").sort_stats("cumtime").print_stats(18)
        for _ in range(2):  # (the first also brings the trace's columns into memory)
            t0 = time.perf_counter()
            found = insights_of(trace)
            costs.append((time.perf_counter() - t0) * 1000)
        print(
            f"  the whole trace's insights at the end: {costs[0]:.0f} ms, again {costs[1]:.0f}"
            f" ms; {len(found)} found"
        )
    if trace.resources:
        during = [d for t, d in derived if begin <= t <= end]
        print(
            f"  resource rows: {len(during)} derivations ({len(during) / busy:.1f}/s):"
            f" {_ms(during)}; rows' share of an update"
            f" {_ms([d for t, d in rows_updates if begin <= t <= end])};"
            f" their paint {_ms([d for t, d in rows_paints if begin <= t <= end])}"
        )


if __name__ == "__main__":
    main()
