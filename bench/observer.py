"""What the window's live chart costs a program that runs on the window's own loop.

Run:  python bench/observer.py [--tasks 20000] [--steps 10] [--runs 3]

The observer must not move the program.  A scenario run on the real clock shares the
window's event loop: each live frame (the chart brought up to date, then painted) keeps
the program waiting.  This measures what a user runs, the window with its live chart,
not the loop alone:

* ``plain``: ``--tasks`` tasks x ``--steps`` ``await asyncio.sleep(0)`` with
  ``asyncio.run`` (the default loop, untraced), in this process;
* ``window``: the same program as a scenario in ``MainWindow`` on the real clock, traced
  and drawn live, offscreen.

Each side's time is the program's own, from its first step to its last (the trace's
running spans for the window; a ``perf_counter`` around the gather for plain), the
median of ``--runs`` alternating runs.  The ratio window / plain is the cost of watching
(issue 12 asks for at most 2x; the window's frames, recorded in the trace's
``observed``, are reported too: how much of the program's time the window held its loop).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication

from bench.workloads import sleep0
from visualizer.app.qtloop import GuiEventLoop
from visualizer.app.window import MainWindow
from visualizer.session.scenarios import read_scenario
from visualizer.trace import schema

PROGRAM = '''"""Busy: many tasks, each yielding a few times"""
import asyncio


async def sleeper(steps: int) -> None:
    for _ in range(steps):
        await asyncio.sleep(0)


async def main(tasks: int = 20000, steps: int = 10) -> None:
    await asyncio.gather(*(sleeper(steps) for _ in range(tasks)))
'''


def plain(tasks: int, steps: int) -> float:
    async def timed() -> float:
        began = time.perf_counter()
        await sleep0(tasks, steps)
        return time.perf_counter() - began

    return asyncio.run(timed())


def in_window(
    window: MainWindow, app: QApplication, path: Path, tasks: int, steps: int
) -> tuple[float, float, float]:
    """(the program's time, seconds the window held its loop meanwhile, frames a second)."""
    loop = GuiEventLoop(app)
    try:
        outcome = loop.run_until_complete(
            window.run(read_scenario(path), {"tasks": tasks, "steps": steps}, "real")
        )
    finally:
        loop.close()
    trace = outcome.trace
    running = trace.spans.state == schema.RUNNING
    first = float(trace.spans.start[running].min())
    last = float(trace.spans.end[running].max())
    held = sum(
        min(end, last) - max(start, first)
        for start, end in trace.observed
        if end > first and start < last
    )
    frames = sum(1 for start, _ in trace.observed if first <= start <= last)
    return last - first, held, frames / (last - first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    assert isinstance(app, QApplication)
    path = Path(tempfile.mkdtemp()) / "busy.py"
    path.write_text(PROGRAM, encoding="utf-8")
    window = MainWindow([read_scenario(path)])
    window.resize(1600, 900)
    window.show()
    plains: list[float] = []
    shown: list[tuple[float, float, float]] = []
    for _ in range(args.runs):
        plains.append(plain(args.tasks, args.steps))
        shown.append(in_window(window, app, path, args.tasks, args.steps))
    base = statistics.median(plains)
    seconds = statistics.median(s for s, _, _ in shown)
    print(f"{args.tasks:,} tasks x {args.steps} sleep(0), median of {args.runs}:")
    runs = ", ".join(f"{p:.3f}" for p in plains)
    print(f"  plain asyncio.run:          {base:.3f} s  (runs: {runs})")
    print(
        f"  in the window, drawn live:  {seconds:.3f} s  (runs: "
        f"{', '.join(f'{s:.3f}' for s, _, _ in shown)})"
    )
    print(f"  ratio window / plain: {seconds / base:.2f}x")
    for s, held, fps in shown:
        print(
            f"    the window held the loop {held:.3f} s of {s:.3f} s ({held / s:.0%}),"
            f" {fps:.1f} frames/s"
        )


if __name__ == "__main__":
    main()
