"""The window while a busy program runs live on its loop (issue 3): frames per second.

Run:  python bench/live_gui.py [--seconds 3] [--tasks 200]

A program of ``--tasks`` tasks doing ``sleep(0)`` in a loop for ``--seconds`` (each
step is one recorded event; a wake of a bare yield is implied) runs on the window's
GuiEventLoop, traced, while the window refreshes its chart at its frame rate.
Reports events recorded per second, chart frames per second, and the time a frame
spends in the model and the chart.  Target: at least 30 frames per second at 200,000
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

PROGRAM = '''"""Busy: many tasks stepping"""
import asyncio, time

async def spin(until: float) -> None:
    while time.monotonic() < until:
        await asyncio.sleep(0)

async def main(tasks: int = 200, seconds: float = 3.0) -> None:
    until = time.monotonic() + seconds
    await asyncio.gather(*(spin(until) for _ in range(tasks)))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--tasks", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    path = Path("/tmp/asyncviz_busy.py")
    path.write_text(PROGRAM, encoding="utf-8")
    scenario = read_scenario(path)
    window = MainWindow([scenario])
    window.resize(1600, 900)
    window.show()
    frames: list[float] = []
    frame = window._frame

    def timed_frame() -> None:
        t0 = time.perf_counter()
        frame()
        frames.append(time.perf_counter() - t0)

    window._frames.timeout.disconnect()
    window._frames.timeout.connect(timed_frame)
    loop = GuiEventLoop(app)
    t0 = time.perf_counter()
    outcome = loop.run_until_complete(
        window.run(scenario, {"tasks": args.tasks, "seconds": args.seconds}, "real")
    )
    wall = time.perf_counter() - t0
    loop.close()
    steps = int((outcome.trace.spans.state == 1).sum())
    busy = [f * 1000 for f in frames]
    print(
        f"{steps:,} steps in {wall:.2f} s ({steps / wall:,.0f} events/s recorded);"
        f" {len(frames)} chart frames ({len(frames) / wall:.1f} per second);"
        f" a frame took {sorted(busy)[len(busy) // 2]:.0f} ms median, {max(busy):.0f} ms max"
        f" (last: {busy[-1]:.0f} ms, {len(outcome.trace.spans):,} spans)"
    )


if __name__ == "__main__":
    main()
