"""The window while a busy program runs live on its loop (issue 3): frames per second.

Run:  python bench/live_gui.py [--seconds 4] [--tasks 200] [--rate 200000]

A program of ``--tasks`` tasks doing ``sleep(0)`` in a loop (each step is one recorded
event; the wake of a bare yield is implied) runs on the window's GuiEventLoop, traced,
while the window draws its chart live.  The program is held to ``--rate`` events a second
(when it is ahead, a task sleeps a millisecond; 0: as fast as it can), so the measure
is the target's own condition.  Reports the events the program recorded per second,
frames per second (a frame: the chart brought up to date and painted), and what a
frame costs.  Target: at least 30 frames per second while the program records 200,000
events per second.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import read_scenario

PROGRAM = '''"""Busy: many tasks stepping, at a given rate"""
import asyncio, time

async def spin(until: float, start: float, rate: float, done: list[int]) -> None:
    steps = 0
    while time.monotonic() < until:
        await asyncio.sleep(0)
        steps += 1
        if rate and steps % 16 == 0:
            done[0] += 16
            while done[0] > rate * (time.monotonic() - start):
                await asyncio.sleep(0.001)  # ahead of the rate: let time catch up

async def main(tasks: int = 200, seconds: float = 4.0, rate: float = 200000.0) -> None:
    start = time.monotonic()
    done = [0]
    await asyncio.gather(*(spin(start + seconds, start, rate, done) for _ in range(tasks)))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--tasks", type=int, default=200)
    parser.add_argument("--rate", type=float, default=200_000.0)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    path = Path("/tmp/asyncviz_busy.py")
    path.write_text(PROGRAM, encoding="utf-8")
    scenario = read_scenario(path)
    window = MainWindow([scenario])
    window.resize(1600, 900)
    window.show()
    updates: list[tuple[float, float]] = []  # (when, seconds): the chart brought up to date
    paints: list[tuple[float, float]] = []  # (when, seconds): the chart painted
    frame = window.frames._frame
    paint_event = window.chart.paintEvent

    def timed_frame() -> None:
        t0 = time.perf_counter()
        frame()
        updates.append((t0, time.perf_counter() - t0))

    def timed_paint(event: object) -> None:
        t0 = time.perf_counter()
        paint_event(event)
        paints.append((t0, time.perf_counter() - t0))

    window.frames._timer.timeout.disconnect()
    window.frames._timer.timeout.connect(timed_frame)
    window.chart.paintEvent = timed_paint  # type: ignore[method-assign]
    loop = GuiEventLoop(app)

    async def run() -> object:
        return await window._run_live(
            scenario, {"tasks": args.tasks, "seconds": args.seconds, "rate": args.rate}
        )

    began: list[float] = []

    async def run_and_time() -> object:
        began.append(time.perf_counter())
        return await run()

    outcome = loop.run_until_complete(run_and_time())
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
    print(
        f"{events:,} events in {busy:.2f} s: {events / busy:,.0f} events/s recorded"
        f" (asked {args.rate:,.0f}); {len(trace.spans):,} spans"
    )
    per_second = [
        sum(1 for t, _ in updates if begin + k <= t < begin + k + 1) for k in range(int(busy))
    ]
    print(f"  frames in each second of the program: {per_second}")
    # the whole program, and from the end of its first second on (its tasks made, the
    # first layout and paints done: the rate a user watches)
    for name, skip in (("whole program", 0.0), ("after its first second", 1.0)):
        shown = [(t, d) for t, d in updates if begin + skip <= t <= end]
        drawn = [(t, d) for t, d in paints if begin + skip <= t <= end]
        cost = sorted(u + p for (_, u), (_, p) in zip(shown, drawn, strict=False))
        if not cost:
            continue
        print(
            f"  {name}: {len(shown) / (busy - skip):.1f} frames per second; a frame (update +"
            f" paint) {cost[len(cost) // 2] * 1000:.1f} ms median,"
            f" {cost[int(len(cost) * 0.9)] * 1000:.1f} ms 90th percentile;"
            f" update {sorted(d for _, d in shown)[len(shown) // 2] * 1000:.1f} ms,"
            f" paint {sorted(d for _, d in drawn)[len(drawn) // 2] * 1000:.1f} ms (medians)"
        )


if __name__ == "__main__":
    main()
